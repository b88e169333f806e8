using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Testing;

namespace IotAspire.Bench.Infrastructure;

/// <summary>
/// The whole system as the integration tests start it (<see cref="StackHost"/>), with known broker secrets (the
/// broker-only run subscribes with the worker's account) and settings per benchmark.
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private BenchStack(DistributedApplication app, Uri api, MqttBrokerAddress broker, string database, string workerPassword, string logFile, RealmTokens tokens)
    {
        Tokens = tokens;
        App = app;
        ApiAddress = api;
        Broker = broker;
        DatabaseConnectionString = database;
        WorkerPassword = workerPassword;
        LogFile = logFile;
    }

    public DistributedApplication App { get; }
    public Uri ApiAddress { get; }
    public MqttBrokerAddress Broker { get; }
    public string DatabaseConnectionString { get; }
    public string WorkerUser => "deviceworker";
    public string WorkerPassword { get; }
    public string LogFile { get; }

    /// <summary>Tokens of the realm's service client (iot-admin): the benchmarks register devices and read through the Api.</summary>
    public RealmTokens Tokens { get; }

    /// <param name="notStarted">Resources that stay down until started with a command (e.g. the worker, so that it has no broker session yet).</param>
    /// <param name="dataRoot">A data folder kept between runs, or null for a fresh one.</param>
    /// <param name="workerSettings">Configuration overrides for the worker ("Telemetry:MaxBatchPoints" = "20000"), to try settings.</param>
    public static async Task<BenchStack> StartAsync(
        string kind,
        IReadOnlyCollection<string> notStarted,
        string? dataRoot,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? workerSettings = null,
        IReadOnlyList<string>? appHostArgs = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? resourceSettings = null)
    {
        var logFile = Path.Combine(AppContext.BaseDirectory, "logs", $"{kind}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.log");
        var secrets = BenchSecrets.Load(dataRoot);
        var args = new List<string>
        {
            // One Api replica (api-1) unless a benchmark asks for more: they measure its process by resource name.
            "Api:Replicas=1",
            $"Parameters:mqtt-admin-password={secrets.MqttAdmin}",
            $"Parameters:mqtt-worker-password={secrets.MqttWorker}",
            $"Parameters:postgres-password={secrets.Postgres}",
            $"Parameters:identity-service-secret={secrets.ServiceClient}",
        };
        if (dataRoot is not null)
        {
            args.Add($"Infra:DataRoot={Path.GetFullPath(dataRoot)}");
        }

        args.AddRange(appHostArgs ?? []); // Later arguments win: e.g. Simulator:Devices=10.

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var app = await StackHost.StartAsync(args, logFile, builder =>
        {
            foreach (var project in builder.Resources.OfType<ProjectResource>())
            {
                var resource = builder.CreateResourceBuilder(project);
                if (project.Name.StartsWith(ResourceNames.Api + "-", StringComparison.Ordinal))
                {
                    // The benchmarks are one caller asking as fast as it can: the per-caller rate limit would answer 429.
                    resource.WithEnvironment("CallerRateLimit__PermitsPerSecond", "0");
                }

                var settings = (project.Name == ResourceNames.DeviceWorker ? workerSettings : null) ?? new Dictionary<string, string>();
                foreach (var (key, value) in settings.Concat(resourceSettings?.GetValueOrDefault(project.Name) ?? new Dictionary<string, string>()))
                {
                    resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
                }

                if (notStarted.Contains(project.Name))
                {
                    resource.WithExplicitStart();
                }
            }
        }, waitHealthy: [], timeout.Token);
        try
        {
            // The benchmarks call the Api as users do: through the gateway.
            var api = app.GetEndpoint(ResourceNames.Gateway, "http");
            var broker = MqttBrokerAddress.Parse(await app.GetConnectionStringAsync(ResourceNames.Mqtt, timeout.Token));
            var database = await app.GetConnectionStringAsync(ResourceNames.Database, timeout.Token)
                ?? throw new InvalidOperationException("No iotdb connection string.");
            var identity = app.GetEndpoint(ResourceNames.Identity, "http");
            return new BenchStack(app, api, broker, database, secrets.MqttWorker, logFile, new RealmTokens(identity, new Dictionary<string, string>(), secrets.ServiceClient));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async Task StartResourceAsync(string name, CancellationToken cancellationToken)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Starting {name} failed: {result.Message}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);
    }

    public async Task StopResourceAsync(string name, CancellationToken cancellationToken)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StopCommand, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Stopping {name} failed: {result.Message}");
        }
    }

    /// <summary>The process id DCP reports for a resource (for a project, its "dotnet run" launcher).</summary>
    public int ResourcePid(string name)
    {
        if (!App.ResourceNotifications.TryGetCurrentState(name, out var state))
        {
            throw new InvalidOperationException($"No state for resource {name}.");
        }

        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        return pid is null ? 0 : Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Tokens.Dispose();
        try
        {
            await App.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine("The stack did not stop within a minute; disposing anyway.");
        }

        await App.DisposeAsync();
    }

    /// <summary>
    /// Known secrets: fresh ones per run, or, with a kept data folder, the ones its database and broker were created with.
    /// </summary>
    private sealed record BenchSecrets(string Postgres, string MqttAdmin, string MqttWorker, string ServiceClient)
    {
        public static BenchSecrets Load(string? dataRoot)
        {
            if (dataRoot is null)
            {
                return New();
            }

            Directory.CreateDirectory(dataRoot);
            var file = Path.Combine(dataRoot, "bench-secrets.txt");
            if (File.Exists(file))
            {
                var lines = File.ReadAllLines(file);
                // A folder from before the identity provider has no service secret yet: add one, keep the rest.
                var kept = new BenchSecrets(lines[0], lines[1], lines[2], lines.Length > 3 ? lines[3] : Secret());
                File.WriteAllLines(file, [kept.Postgres, kept.MqttAdmin, kept.MqttWorker, kept.ServiceClient]);
                return kept;
            }

            var secrets = New();
            File.WriteAllLines(file, [secrets.Postgres, secrets.MqttAdmin, secrets.MqttWorker, secrets.ServiceClient]);
            return secrets;
        }

        private static BenchSecrets New() => new(Secret(), Secret(), Secret(), Secret());

        private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    }
}
