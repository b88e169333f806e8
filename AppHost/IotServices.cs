using Microsoft.Extensions.Configuration;
using IotAspire.AppHost.Infrastructure;
using IotAspire.Core;
using IotAspire.Core.Mqtt;

namespace IotAspire.AppHost;

public static class IotServices
{
    public static void AddIotServices(this IDistributedApplicationBuilder builder, InfraResources infra, BrokerSecrets broker)
    {
        var apiBrokerPassword = builder.AddApiBrokerPassword();
        var fleetClaimPassword = AddFleetClaimPassword(builder);
        var identity = builder.AddIdentity(infra);

        // Schema and broker service accounts, once, before any service starts (a one-shot: its exit is its success).
        var migrations = builder.AddService<Projects.Migrations>(ResourceNames.Migrations)
            .WithDatabase(infra)
            .WithBroker(infra)
            .WithBrokerAdmin(broker)
            .WithEnvironment("WorkerAccount__Username", ServiceAccounts.WorkerUsername)
            .WithEnvironment("WorkerAccount__Password", broker.WorkerPassword)
            .WithEnvironment("ApiAccount__Username", ServiceAccounts.ApiUsername)
            .WithEnvironment("ApiAccount__Password", apiBrokerPassword)
            .WithEnvironment("FleetClaim__Password", fleetClaimPassword);

        // Two replicas from the start, so that nothing comes to assume it is the only one: commands, the event relay
        // and SignalR (Redis backplane) are built for any number. Their endpoint is proxied: one port, round robin.
        // One replica listens on the port itself: the local proxy copies every body once more (~14 ms for 550 KB here).
        var apiReplicas = builder.Configuration.GetValue("Api:Replicas", 2);
        var api = builder.AddService<Projects.Api>(ResourceNames.Api)
            .WithDatabase(infra)
            .WithRedis(infra)
            .WithBroker(infra)
            .WithBrokerAdmin(broker)
            .WithEnvironment("Mqtt__Username", ServiceAccounts.ApiUsername)
            .WithEnvironment("Mqtt__Password", apiBrokerPassword)
            .WithArchiveRoot(infra) // Raw queries for days retention dropped read the archive.
            .WithReplicas(apiReplicas)
            .WithRestartOnExit()
            .WithEndpoint("http", endpoint => endpoint.IsProxied = apiReplicas > 1)
            // Any OIDC provider would do: these two settings are all the Api knows of it.
            .WithEnvironment("Identity__Authority", identity.Authority)
            .WithEnvironment("Identity__RequireHttpsMetadata", identity.RequireHttpsMetadata ? "true" : "false")
            .WaitFor(identity.Resource)
            .WaitForCompletion(migrations)
            .WithHealthProbes()
            .WithUrlForEndpoint("http", url => url.DisplayText = "API")
            .WithUrl("/scalar", "API reference (Scalar)");

        builder.AddService<Projects.DeviceWorker>(ResourceNames.DeviceWorker)
            .WithDatabase(infra)
            .WithRedis(infra)
            .WithBroker(infra)
            .WithEnvironment("Mqtt__Username", ServiceAccounts.WorkerUsername)
            .WithEnvironment("Mqtt__Password", broker.WorkerPassword)
            .WithBrokerAdmin(broker) // Fleet provisioning creates device accounts.
            .WithRestartOnExit()
            .WaitForCompletion(migrations)
            .WithHealthProbes();

        // Exports closed days to Parquet under the run's data folder; with it, the worker's raw retention (on by default)
        // can drop the days it has archived.
        builder.AddService<Projects.Archiver>(ResourceNames.Archiver)
            .WithDatabase(infra)
            .WithRestartOnExit()
            .WithArchiveRoot(infra)
            .WaitForCompletion(migrations)
            .WithHealthProbes();

        // The dashboard signs users in at the provider (code + PKCE) and calls the Api with their tokens. Its browser-facing
        // URL is registered as the realm client's exact redirect URI: Dashboard:PublicUrl (a gateway), else its own port.
        var dashboard = builder.AddService<Projects.Dashboard>(ResourceNames.Dashboard)
            .WithReference(api)
            .WithEnvironment("Identity__Authority", identity.Authority)
            .WithEnvironment("Identity__RequireHttpsMetadata", identity.RequireHttpsMetadata ? "true" : "false")
            .WaitFor(identity.Resource)
            .WaitFor(api)
            .WithRestartOnExit()
            .WithHealthProbes()
            .WithUrlForEndpoint("http", url => url.DisplayText = "Dashboard");
        var dashboardUrl = builder.Configuration["Dashboard:PublicUrl"] is { Length: > 0 } publicUrl
            ? ReferenceExpression.Create($"{publicUrl.TrimEnd('/')}")
            : ReferenceExpression.Create($"http://localhost:{dashboard.GetEndpoint("http").Property(EndpointProperty.Port)}");
        if (builder.Configuration["Dashboard:PublicUrl"] is { Length: > 0 })
        {
            dashboard.WithEnvironment("Dashboard__PublicOrigin", dashboardUrl);
        }

        identity.WithDashboardUrl(dashboardUrl);

        AddSimulator(builder, infra, api, identity, fleetClaimPassword);
    }

    /// <summary>The demo's device fleet; Simulator:Devices = 0 leaves it out. Never deployed.</summary>
    private static void AddSimulator(
        IDistributedApplicationBuilder builder,
        InfraResources infra,
        IResourceBuilder<ProjectResource> api,
        IdentityResources identity,
        IResourceBuilder<ParameterResource> fleetClaimPassword)
    {
        var devices = builder.Configuration.GetValue("Simulator:Devices", 10);
        if (devices <= 0 || builder.ExecutionContext.IsPublishMode)
        {
            return;
        }

        builder.AddService<Projects.Simulator>(ResourceNames.Simulator)
            .WithReference(api)
            .WithRestartOnExit()
            .WaitFor(api)
            .WithReference(infra.Mqtt)
            .WithEnvironment("Simulator__Devices", devices.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Simulator__IntervalSeconds", builder.Configuration["Simulator:IntervalSeconds"] ?? "5")
            .WithEnvironment("Simulator__FleetClaimPassword", fleetClaimPassword) // Its devices provision themselves.
            // A device registered by an earlier run (kept data) gets new credentials from the Api, as the service client.
            .WithEnvironment("Simulator__Identity__Authority", identity.Authority)
            .WithEnvironment("Simulator__Identity__ClientSecret", identity.ServiceClientSecret)
            .WaitFor(identity.Resource);
    }

    /// <summary>
    /// The fleet claim's initial password (set Parameters:fleet-claim-password to choose it). After an Api rotation the
    /// broker keeps the rotated one until this value is changed.
    /// </summary>
    private static IResourceBuilder<ParameterResource> AddFleetClaimPassword(IDistributedApplicationBuilder builder) =>
        builder.AddParameter("fleet-claim-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

    /// <summary>
    /// Readiness on /health (every check, dependencies included: also what the AppHost waits for) and liveness on /alive
    /// (the process answers), for the local run and for the deployment manifest (<see cref="ManifestDeploymentHints"/>).
    /// </summary>
    public static IResourceBuilder<T> WithHealthProbes<T>(this IResourceBuilder<T> service)
        where T : IResourceWithEndpoints, IResourceWithProbes =>
        // On the plain http endpoint: in a container the services listen on HTTP_PORTS only.
        service.WithHttpProbe(ProbeType.Readiness, "/health", endpointName: "http").WithHttpProbe(ProbeType.Liveness, "/alive", endpointName: "http");

    /// <summary>
    /// The Archiver writes its parts under the run's data folder (or the AppHost's Archive:Root, when set), and the Api
    /// reads them from there.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithArchiveRoot(this IResourceBuilder<ProjectResource> service, InfraResources infra)
    {
        var root = service.ApplicationBuilder.Configuration["Archive:Root"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : infra.DataFolder is { } folder ? Path.Combine(folder, "archive") : null;
        return root is null ? service : service.WithEnvironment("Archive__Root", root);
    }

    /// <summary>
    /// A service reads only ConnectionStrings__* and service discovery: Aspire's extra per-resource variables
    /// (IOTDB_URI, REDIS_HOST, ...) differ between the modes, so they are not injected at all.
    /// </summary>
    private static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery);
}
