using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// The whole system, started once for the test collection by Aspire.Hosting.Testing in executables mode
/// (no container runtime here), on free ports, without the simulator.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public DistributedApplication App { get; private set; } = null!;
    public HttpClient Api { get; private set; } = null!;
    public MqttConnection Broker { get; private set; } = null!;
    public string DatabaseConnectionString { get; private set; } = "";
    public string LogFile { get; } = Path.Combine(AppContext.BaseDirectory, "logs", $"stack-{DateTime.UtcNow:yyyyMMdd-HHmmss}.log");

    public async Task InitializeAsync()
    {
        using var cancellation = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["Infra:Mode=executables", "Infra:Ports:Mqtt=0", "Simulator:Devices=0"],
            (options, _) => options.DisableDashboard = true,
            cancellation.Token);

        // No collector runs in tests: exporting to nowhere only slows every shutdown down.
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            var resource = builder.CreateResourceBuilder(project).WithEnvironment(context =>
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
            if (project.Name == ResourceNames.DeviceWorker)
            {
                // A small in-flight limit: every test also goes through the worker's back-pressure path (the crash
                // test's burst of 3,000 messages far exceeds it), so a stall or a lost message there fails them.
                resource.WithEnvironment("Mqtt__MaxInFlightMessages", WorkerMaxInFlightMessages.ToString(CultureInfo.InvariantCulture));
            }
        }

        builder.Services.AddLogging(logging => logging
            .ClearProviders()
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Warning)
            .AddProvider(new FileLoggerProvider(LogFile)));

        App = await builder.BuildAsync(cancellation.Token);
        await App.StartAsync(cancellation.Token);
        foreach (var service in new[] { ResourceNames.Api, ResourceNames.DeviceWorker })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(service, cancellation.Token);
        }

        Api = App.CreateHttpClient(ResourceNames.Api);
        Broker = MqttConnection.Parse(await App.GetConnectionStringAsync(ResourceNames.Mqtt, cancellation.Token));
        DatabaseConnectionString = await App.GetConnectionStringAsync(ResourceNames.Database, cancellation.Token)
            ?? throw new InvalidOperationException("No iotdb connection string.");
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (App is null)
        {
            return;
        }

        await App.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await App.DisposeAsync();
    }

    public const string ExecutablePidProperty = "executable.pid";
    public const int WorkerMaxInFlightMessages = 16;
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
