using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.IntegrationTests.Infrastructure;
using IotAspire.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// The AppHost in containers mode (Infra:Mode=containers) on the private engine: PostgreSQL, Redis and Mosquitto as
/// containers, the services as projects. No Keycloak image can be had here, so the local IdentityProvider project
/// stands in (Identity:Provider=local); the manifest still describes Keycloak.
/// </summary>
public sealed class ContainersModeFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    public ContainerEngine Engine { get; private set; } = null!;
    public DistributedApplication App { get; private set; } = null!;
    public SmokeTarget Target { get; private set; } = null!;
    public string LogFile { get; } = Path.Combine(AppContext.BaseDirectory, "logs", $"containers-{DateTime.UtcNow:yyyyMMdd-HHmmss}.log");

    private readonly Dictionary<string, string> _passwords = new()
    {
        ["admin"] = NewSecret(),
        ["operator"] = NewSecret(),
        ["viewer"] = NewSecret(),
    };

    private RealmTokens? _tokens;

    public async Task InitializeAsync()
    {
        Engine = await ContainerEngine.StartAsync();
        using var cancellation = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                "Infra:Mode=containers", "Identity:Provider=local", "Infra:Ports:Mqtt=0", "Infra:Ports:MqttTls=0", "Simulator:Devices=0",
                $"Parameters:admin-password={_passwords["admin"]}",
                $"Parameters:operator-password={_passwords["operator"]}",
                $"Parameters:viewer-password={_passwords["viewer"]}",
                $"Parameters:identity-service-secret={NewSecret()}",
                $"Parameters:fleet-claim-password={NewSecret()}",
                $"Parameters:mqtt-admin-password={NewSecret()}",
                $"Parameters:mqtt-worker-password={NewSecret()}",
                $"Parameters:mqtt-api-password={NewSecret()}",
                $"Parameters:postgres-password={NewSecret()}",
                $"Parameters:redis-password={NewSecret()}",
            ],
            (options, _) => options.DisableDashboard = true,
            cancellation.Token);
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // No collector runs in tests: exporting to nowhere only slows every shutdown down.
            builder.CreateResourceBuilder(project).WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
        }

        builder.Services.AddLogging(logging => logging
            .ClearProviders()
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning)
            .AddProvider(new FileLoggerProvider(LogFile)));

        // The orchestrator (DCP) runs the docker CLI: only it, a child of this process, may see the private engine. The
        // other collections run before or after this one (never in parallel) and name their mode explicitly.
        App = await WithDockerHostAsync(async () =>
        {
            var app = await builder.BuildAsync(cancellation.Token);
            await app.StartAsync(cancellation.Token);
            return app;
        });
        // The public HTTP entry: the gateway when the AppHost has one (it fronts the Api replicas), else the Api.
        var entry = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Any(r => r.Name == ResourceNames.Gateway)
            ? ResourceNames.Gateway
            : ResourceNames.Api;
        foreach (var service in new[] { ResourceNames.Identity, entry, ResourceNames.DeviceWorker })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(service, cancellation.Token);
        }

        _tokens = new RealmTokens(App.GetEndpoint(ResourceNames.Identity, "http"), _passwords);
        var broker = MqttBrokerAddress.Parse(await App.GetConnectionStringAsync(ResourceNames.Mqtt, cancellation.Token));
        Target = new SmokeTarget(App.GetEndpoint(entry, "http"), _tokens, broker.Host, broker.Port,
            async () => await Engine.DockerAsync("restart", "-t", "10", await Engine.ContainerOfAsync(ResourceNames.Mqtt)));
    }

    private async Task<T> WithDockerHostAsync<T>(Func<Task<T>> start)
    {
        var previous = Environment.GetEnvironmentVariable("DOCKER_HOST");
        Environment.SetEnvironmentVariable("DOCKER_HOST", Engine.DockerHost);
        try
        {
            return await start();
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", previous);
        }
    }

    private static string NewSecret() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public async Task DisposeAsync()
    {
        _tokens?.Dispose();
        if (App is not null)
        {
            await App.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));
            await App.DisposeAsync();
        }

        if (Engine is not null)
        {
            await Engine.StopAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ContainersModeCollection : ICollectionFixture<ContainersModeFixture>
{
    public const string Name = "containers mode";
}
