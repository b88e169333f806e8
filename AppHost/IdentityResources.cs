using IotAspire.AppHost.Infrastructure;
using IotAspire.Core;

namespace IotAspire.AppHost;

/// <summary>The identity provider as the services see it: what to wait for, the authority, and the users' passwords.</summary>
public sealed record IdentityResources(
    IResourceBuilder<IResourceWithEndpoints> Resource,
    EndpointReference Endpoint,
    ReferenceExpression Authority,
    IResourceBuilder<ParameterResource> AdminPassword,
    IResourceBuilder<ParameterResource> OperatorPassword,
    IResourceBuilder<ParameterResource> ViewerPassword,
    IResourceBuilder<ParameterResource> ServiceClientSecret);

public static class IdentityResourcesExtensions
{
    public const string Realm = "iot";
    private const string KeycloakImage = "quay.io/keycloak/keycloak";
    private const string KeycloakTag = "26.4";

    /// <summary>
    /// One realm file (realm/iot-realm.json) for both modes: Keycloak imports it in containers mode; the IdentityProvider
    /// project serves it in executables mode. Passwords are secret parameters, generated unless set
    /// (Parameters:admin-password or Parameters__admin_password), and reach the realm through its ${IOT_*} placeholders.
    /// </summary>
    public static IdentityResources AddIdentity(this IDistributedApplicationBuilder builder)
    {
        var admin = builder.AddGeneratedSecret("admin-password");
        var @operator = builder.AddGeneratedSecret("operator-password");
        var viewer = builder.AddGeneratedSecret("viewer-password");
        var serviceSecret = builder.AddGeneratedSecret("identity-service-secret");
        var realmFolder = Path.Combine(builder.AppHostDirectory, "realm");

        IResourceBuilder<IResourceWithEndpoints> resource = InfraModeResolver.Resolve(builder) == InfraMode.Containers
            ? AddKeycloak(builder, realmFolder).WithRealmSecrets(admin, @operator, viewer, serviceSecret)
            : builder.AddProject<Projects.IdentityProvider>(ResourceNames.Identity)
                .WithEnvironment("Realm__File", Path.Combine(realmFolder, "iot-realm.json"))
                .WithHttpHealthCheck("/health")
                .WithRealmSecrets(admin, @operator, viewer, serviceSecret);

        var endpoint = resource.GetEndpoint("http");
        return new IdentityResources(
            resource,
            endpoint,
            ReferenceExpression.Create($"{endpoint}/realms/{Realm}"),
            admin,
            @operator,
            viewer,
            serviceSecret);
    }

    private static IResourceBuilder<ContainerResource> AddKeycloak(IDistributedApplicationBuilder builder, string realmFolder)
    {
        var keycloakAdmin = builder.AddGeneratedSecret("keycloak-admin-password");
        return builder.AddContainer(ResourceNames.Identity, KeycloakImage, KeycloakTag)
            // start-dev: plain http and a host-relative issuer, like the local provider; the realm is imported once.
            .WithArgs("start-dev", "--import-realm")
            .WithBindMount(realmFolder, "/opt/keycloak/data/import", isReadOnly: true)
            .WithHttpEndpoint(targetPort: 8080, name: "http")
            // Health endpoints are on Keycloak's management port.
            .WithHttpEndpoint(targetPort: 9000, name: "management")
            .WithEnvironment("KC_BOOTSTRAP_ADMIN_USERNAME", "admin")
            .WithEnvironment("KC_BOOTSTRAP_ADMIN_PASSWORD", keycloakAdmin)
            .WithEnvironment("KC_HEALTH_ENABLED", "true")
            .WithHttpHealthCheck("/health/ready", endpointName: "management");
    }

    /// <summary>
    /// The dashboard's browser-facing URL, the realm file's ${IOT_DASHBOARD_URL}: its client's exact redirect URIs are
    /// {url}/signin-oidc and {url}/signout-callback-oidc.
    /// </summary>
    public static void WithDashboardUrl(this IdentityResources identity, ReferenceExpression url)
    {
        var resource = (IResourceWithEnvironment)identity.Resource.Resource;
        identity.Resource.ApplicationBuilder.CreateResourceBuilder(resource).WithEnvironment("IOT_DASHBOARD_URL", url);
    }

    /// <summary>The values of the realm file's ${IOT_*} placeholders.</summary>
    private static IResourceBuilder<T> WithRealmSecrets<T>(
        this IResourceBuilder<T> resource,
        IResourceBuilder<ParameterResource> admin,
        IResourceBuilder<ParameterResource> @operator,
        IResourceBuilder<ParameterResource> viewer,
        IResourceBuilder<ParameterResource> serviceSecret)
        where T : IResourceWithEnvironment =>
        resource.WithEnvironment("IOT_ADMIN_PASSWORD", admin)
            .WithEnvironment("IOT_OPERATOR_PASSWORD", @operator)
            .WithEnvironment("IOT_VIEWER_PASSWORD", viewer)
            .WithEnvironment("IOT_SERVICE_CLIENT_SECRET", serviceSecret);

    private static IResourceBuilder<ParameterResource> AddGeneratedSecret(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 20, Special = false }, secret: true, persist: true);
}
