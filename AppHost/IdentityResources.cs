using IotAspire.AppHost.Infrastructure;
using Aspire.Hosting.Postgres;
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
    IResourceBuilder<ParameterResource> ServiceClientSecret,
    bool RequireHttpsMetadata);

public static class IdentityResourcesExtensions
{
    public const string Realm = "iot";
    private const string KeycloakImage = "quay.io/keycloak/keycloak";
    private const string KeycloakTag = "26.4";
    private const string KeycloakDatabase = "keycloak";

    /// <summary>
    /// One realm file (realm/iot-realm.json) for both modes: Keycloak imports it in containers mode; the IdentityProvider
    /// project serves it in executables mode. Passwords are secret parameters, generated unless set
    /// (Parameters:admin-password or Parameters__admin_password), and reach the realm through its ${IOT_*} placeholders.
    /// </summary>
    public static IdentityResources AddIdentity(this IDistributedApplicationBuilder builder, InfraResources infra)
    {
        var admin = builder.AddGeneratedSecret("admin-password");
        var @operator = builder.AddGeneratedSecret("operator-password");
        var viewer = builder.AddGeneratedSecret("viewer-password");
        var serviceSecret = builder.AddGeneratedSecret("identity-service-secret");
        var realmFolder = Path.Combine(builder.AppHostDirectory, "realm");

        if (builder.ExecutionContext.IsPublishMode)
        {
            return AddProductionKeycloak(builder, realmFolder, infra, admin, @operator, viewer, serviceSecret);
        }

        IResourceBuilder<IResourceWithEndpoints> resource = UsesKeycloak(builder)
            ? AddKeycloak(builder, realmFolder).WithRealmSecrets(admin, @operator, viewer, serviceSecret)
            : builder.AddProject<Projects.IdentityProvider>(ResourceNames.Identity)
                .WithEnvironment("Realm__File", Path.Combine(realmFolder, "iot-realm.json"))
                // Its keys outlive a restart, as Keycloak's do in its database: issued tokens and sessions stay valid.
                .WithEnvironment("Realm__KeyDirectory", Path.Combine(DataRoot.Resolve(builder.Configuration), "identity"))
                .WithHealthProbes()
                .WithRestartOnExit()
                .WithRealmSecrets(admin, @operator, viewer, serviceSecret);

        var endpoint = resource.GetEndpoint("http");
        return new IdentityResources(
            resource,
            endpoint,
            ReferenceExpression.Create($"{endpoint}/realms/{Realm}"),
            admin,
            @operator,
            viewer,
            serviceSecret,
            RequireHttpsMetadata: false); // Local runs are plain http.
    }

    /// <summary>
    /// Keycloak runs in containers mode unless Identity:Provider=local asks for the IdentityProvider project (a machine
    /// without a Keycloak image: the containers-mode tests). Publishing always describes Keycloak.
    /// </summary>
    private static bool UsesKeycloak(IDistributedApplicationBuilder builder) =>
        InfraModeResolver.Resolve(builder) == InfraMode.Containers
        && !string.Equals(builder.Configuration["Identity:Provider"], "local", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What the manifest deploys: Keycloak in production mode ("start"), served over HTTPS at a public host name with
    /// the operator's certificate, its own database on the PostgreSQL server, and services that require HTTPS metadata.
    /// The host name and the certificate's files are parameters the deployer sets.
    /// </summary>
    private static IdentityResources AddProductionKeycloak(
        IDistributedApplicationBuilder builder,
        string realmFolder,
        InfraResources infra,
        IResourceBuilder<ParameterResource> admin,
        IResourceBuilder<ParameterResource> @operator,
        IResourceBuilder<ParameterResource> viewer,
        IResourceBuilder<ParameterResource> serviceSecret)
    {
        // e.g. https://auth.example.com: the issuer every token carries and every service checks.
        var hostname = builder.AddParameter("keycloak-hostname");
        var certificate = builder.AddParameter("keycloak-tls-certificate-file", "/opt/keycloak/conf/tls/tls.crt");
        var key = builder.AddParameter("keycloak-tls-key-file", "/opt/keycloak/conf/tls/tls.key");
        var postgres = (PostgresServerResource)infra.DatabaseServer.Resource;
        var database = builder.CreateResourceBuilder(postgres).AddDatabase(KeycloakDatabase);
        var resource = AddKeycloakContainer(builder, realmFolder)
            .WithArgs("start", "--import-realm")
            .WithHttpsEndpoint(targetPort: 8443, name: "https")
            .WithEnvironment("KC_HOSTNAME", hostname)
            .WithEnvironment("KC_HTTPS_CERTIFICATE_FILE", certificate)
            .WithEnvironment("KC_HTTPS_CERTIFICATE_KEY_FILE", key)
            .WithEnvironment("KC_HTTP_ENABLED", "false")
            .WithEnvironment("KC_HTTP_MANAGEMENT_SCHEME", "http") // Probes inside the network stay plain http.
            .WithEnvironment("KC_DB", "postgres")
            .WithEnvironment("KC_DB_URL", ReferenceExpression.Create(
                $"jdbc:postgresql://{postgres.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}/{KeycloakDatabase}"))
            .WithEnvironment("KC_DB_USERNAME", postgres.UserNameReference)
            .WithEnvironment("KC_DB_PASSWORD", postgres.PasswordParameter)
            .WaitFor(database)
            .WithRealmSecrets(admin, @operator, viewer, serviceSecret);
        return new IdentityResources(
            resource,
            resource.GetEndpoint("https"),
            ReferenceExpression.Create($"{hostname}/realms/{Realm}"),
            admin,
            @operator,
            viewer,
            serviceSecret,
            RequireHttpsMetadata: true);
    }

    /// <summary>Local containers mode: plain http and a host-relative issuer, like the local provider.</summary>
    private static IResourceBuilder<ContainerResource> AddKeycloak(IDistributedApplicationBuilder builder, string realmFolder) =>
        AddKeycloakContainer(builder, realmFolder)
            .WithArgs("start-dev", "--import-realm")
            .WithHttpEndpoint(targetPort: 8080, name: "http");

    private static IResourceBuilder<ContainerResource> AddKeycloakContainer(IDistributedApplicationBuilder builder, string realmFolder)
    {
        var keycloakAdmin = builder.AddGeneratedSecret("keycloak-admin-password");
        return builder.AddContainer(ResourceNames.Identity, KeycloakImage, KeycloakTag)
            .WithBindMount(realmFolder, "/opt/keycloak/data/import", isReadOnly: true) // Imported once, at the first start.
            // Health endpoints are on Keycloak's management port.
            .WithHttpEndpoint(targetPort: 9000, name: "management")
            .WithEnvironment("KC_BOOTSTRAP_ADMIN_USERNAME", "admin")
            .WithEnvironment("KC_BOOTSTRAP_ADMIN_PASSWORD", keycloakAdmin)
            .WithEnvironment("KC_HEALTH_ENABLED", "true")
            .WithHttpHealthCheck("/health/ready", endpointName: "management")
            .WithRestartOnExit();
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
