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

        // Two replicas from the start, so that nothing comes to assume it is the only one: commands, shadows and SignalR
        // (Redis backplane) are built for any number. Each is a resource of its own with its own port: the gateway in
        // front of them balances the REST API and keeps each hub client on one replica (session affinity).
        var apiReplicas = builder.Configuration.GetValue("Api:Replicas", 2);
        var replicas = new List<IResourceBuilder<ProjectResource>>();
        for (var replica = 1; replica <= apiReplicas; replica++)
        {
            replicas.Add(builder.AddService<Projects.Api>(ResourceNames.ApiReplica(replica))
                .WithDatabase(infra)
                .WithRedis(infra)
                .WithBroker(infra)
                .WithBrokerAdmin(broker)
                .WithEnvironment("Mqtt__Username", ServiceAccounts.ApiUsername)
                .WithEnvironment("Mqtt__Password", apiBrokerPassword)
                .WithArchiveRoot(infra) // Raw queries for days retention dropped read the archive.
                .WithRestartOnExit()
                .WithDirectHttpEndpoint(Ports.Free)
                // Only the gateway reaches a replica: it sets X-Forwarded-For (replacing the client's), so the anonymous
                // rate limit counts clients, not the gateway.
                .WithEnvironment("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true")
                // Any OIDC provider would do: these two settings are all the Api knows of it.
                .WithEnvironment("Identity__Authority", identity.Authority)
                .WithEnvironment("Identity__RequireHttpsMetadata", identity.RequireHttpsMetadata ? "true" : "false")
                .WaitFor(identity.Resource)
                .WaitForCompletion(migrations)
                .WithHealthProbes());
        }

        // The one public HTTP endpoint (port 5080, Gateway:Port): what apps, the dashboard and the simulator call.
        var api = builder.AddProject<Projects.Gateway>(ResourceNames.Gateway)
            .WithDirectHttpEndpoint(() => Ports.FromConfiguration(builder.Configuration, "Gateway:Port", 5080))
            .WithRestartOnExit()
            .WithHealthProbes()
            .WithUrlForEndpoint("http", url => url.DisplayText = "API")
            .WithUrl("/scalar", "API reference (Scalar)");
        for (var index = 0; index < replicas.Count; index++)
        {
            api.WithEnvironment($"Gateway__ApiReplicas__{index}", replicas[index].GetEndpoint("http"));
        }

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

    /// <summary>
    /// The demo's device fleet; Simulator:Devices = 0 leaves it out. Never deployed. The AppHost's Simulator:* settings
    /// are passed on as they are; the defaults (10 devices every 5 s) are the simulator's own (SimulatorOptions).
    /// </summary>
    private static void AddSimulator(
        IDistributedApplicationBuilder builder,
        InfraResources infra,
        IResourceBuilder<ProjectResource> api,
        IdentityResources identity,
        IResourceBuilder<ParameterResource> fleetClaimPassword)
    {
        if (builder.Configuration.GetValue<int?>("Simulator:Devices") <= 0 || builder.ExecutionContext.IsPublishMode)
        {
            return;
        }

        var simulator = builder.AddService<Projects.Simulator>(ResourceNames.Simulator)
            .WithReference(api)
            .WithRestartOnExit()
            .WaitFor(api)
            .WithReference(infra.Mqtt)
            .WithEnvironment("Simulator__FleetClaimPassword", fleetClaimPassword) // Its devices provision themselves.
            // A device registered by an earlier run (kept data) gets new credentials from the Api, as the service client.
            .WithEnvironment("Simulator__Identity__Authority", identity.Authority)
            .WithEnvironment("Simulator__Identity__ClientSecret", identity.ServiceClientSecret)
            .WaitFor(identity.Resource);
        foreach (var setting in builder.Configuration.GetSection("Simulator").GetChildren().Where(s => s.Value is not null))
        {
            simulator.WithEnvironment($"Simulator__{setting.Key}", setting.Value);
        }
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
    /// The endpoint "http" on a port of its own, listened on by the service itself: no local proxy in between (the
    /// gateway is the proxy; a second one would copy every body once more). Publishing keeps the platform's defaults.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithDirectHttpEndpoint(this IResourceBuilder<ProjectResource> service, Func<int> port)
    {
        if (service.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return service;
        }

        var chosen = port();
        return service.WithEndpoint("http", endpoint =>
        {
            endpoint.Port = chosen;
            endpoint.TargetPort = chosen;
            endpoint.IsProxied = false;
        });
    }

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
