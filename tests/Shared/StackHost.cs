using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace IotAspire.Testing;

/// <summary>
/// Starts the whole system for the integration tests and the benchmarks alike: the AppHost through Aspire.Hosting.Testing
/// in executables mode (no container runtime here), free ports, no simulator, no Aspire dashboard, no telemetry export,
/// every resource's log in one file. What differs between them (secrets, settings per resource, resources left for an
/// explicit start) is the caller's <paramref name="configure"/>.
/// </summary>
public static class StackHost
{
    private static readonly string[] CommonArguments =
        ["Infra:Mode=executables", "Infra:Ports:Mqtt=0", "Infra:Ports:MqttTls=0", "Gateway:Port=0", "Simulator:Devices=0"];

    /// <param name="arguments">AppHost configuration ("Key=value"); later ones win over the common ones.</param>
    /// <param name="configure">Changes to the app model before it is built (per-resource settings, explicit starts).</param>
    /// <param name="waitHealthy">Resources to wait for until healthy, besides the gateway (healthy once every Api replica is).</param>
    public static async Task<DistributedApplication> StartAsync(
        IEnumerable<string> arguments,
        string logFile,
        Action<IDistributedApplicationTestingBuilder> configure,
        IEnumerable<string> waitHealthy,
        CancellationToken cancellationToken)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [.. CommonArguments, .. arguments], (options, _) => options.DisableDashboard = true, cancellationToken);

        // No collector runs here: exporting to nowhere costs CPU and slows every shutdown down.
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project).WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
        }

        configure(builder);
        builder.Services.AddLogging(logging => logging
            .ClearProviders()
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning)
            .AddProvider(new FileLoggerProvider(logFile)));

        var app = await builder.BuildAsync(cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            foreach (var resource in waitHealthy)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
            }

            // Degraded while a replica is still starting: wait for all of them.
            await app.ResourceNotifications.WaitForResourceAsync(ResourceNames.Gateway,
                e => e.Snapshot.HealthStatus == HealthStatus.Healthy, cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
