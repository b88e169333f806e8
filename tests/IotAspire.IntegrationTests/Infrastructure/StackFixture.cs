using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using IotAspire.AppHost.Infrastructure;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Testing;
using Microsoft.Extensions.Configuration;
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
    /// <summary>The Api as the realm's admin: for tests that are not about who may do what.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>The Api without a token.</summary>
    public HttpClient AnonymousApi { get; private set; } = null!;

    public RealmTokens Tokens { get; private set; } = null!;
    public Uri ApiAddress { get; private set; } = null!;
    public Uri IdentityAddress { get; private set; } = null!;

    /// <summary>The dashboard as the browser reaches it; the realm's iot-dashboard client redirects only to it.</summary>
    public Uri DashboardAddress { get; private set; } = null!;

    private static void ConfigureResources(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            var resource = builder.CreateResourceBuilder(project);
            if (project.Name == ResourceNames.Archiver)
            {
                // Tests run the Archiver when they mean to (Archive/ArchiverProcess): one running on its own schedule would
                // export other tests' days while they look at their partitions and the watermark.
                resource.WithExplicitStart();
            }

            if (project.Name == ResourceNames.DeviceWorker)
            {
                // A small in-flight limit: every test also goes through the worker's back-pressure path (the crash
                // test's burst of 3,000 messages far exceeds it), so a stall or a lost message there fails them.
                resource.WithEnvironment("MqttConsumer__MaxInFlightMessages", WorkerMaxInFlightMessages.ToString(CultureInfo.InvariantCulture));
                // A burst above any single device's test traffic (the crash test's 3,000 messages arrive at once after
                // the restart), a rate low enough that a flood is cut within seconds.
                resource.WithEnvironment("DeviceRateLimit__MessagesPerSecond", WorkerRateLimitPerSecond.ToString(CultureInfo.InvariantCulture));
                resource.WithEnvironment("DeviceRateLimit__Burst", WorkerRateLimitBurst.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The dashboard's exact redirect URI in the realm (tests that stand in for the dashboard use it).</summary>
    public string DashboardRedirectUri => new Uri(DashboardAddress, "signin-oidc").ToString();

    // Known to the tests, random per run: the AppHost takes them as its secret parameters.
    public string AdminPassword { get; } = NewSecret();
    public string OperatorPassword { get; } = NewSecret();
    public string ViewerPassword { get; } = NewSecret();
    public string ServiceClientSecret { get; } = NewSecret();

    // The broker's service accounts, known so that tests can check that an attack left them as they were.
    public string BrokerAdminPassword { get; } = NewSecret();
    public string BrokerWorkerPassword { get; } = NewSecret();
    public string BrokerApiPassword { get; } = NewSecret();

    /// <summary>The fleet claim's current password: a rotation test replaces it (tests of one collection run one at a time).</summary>
    public string FleetClaimPassword { get; internal set; } = NewSecret();
    public MqttBrokerAddress Broker { get; private set; } = null!;

    /// <summary>The broker's TLS listener for devices (endpoint "mqtts") and the CA file devices trust it by.</summary>
    public Uri BrokerTls { get; private set; } = null!;
    public string BrokerCaFile { get; private set; } = "";
    public string DatabaseConnectionString { get; private set; } = "";
    public string LogFile { get; } = Path.Combine(AppContext.BaseDirectory, "logs", $"stack-{DateTime.UtcNow:yyyyMMdd-HHmmss}.log");

    /// <summary>The archive root the Api reads (Archive:Root); the archive tests run the Archiver into it themselves.</summary>
    public string ArchiveRoot { get; } = Path.Combine(Path.GetTempPath(), "iotaspire-tests", $"archive-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        using var cancellation = new CancellationTokenSource(StartTimeout);
        App = await StackHost.StartAsync(
            [
                $"Parameters:admin-password={AdminPassword}",
                $"Parameters:operator-password={OperatorPassword}",
                $"Parameters:viewer-password={ViewerPassword}",
                $"Parameters:identity-service-secret={ServiceClientSecret}",
                $"Parameters:fleet-claim-password={FleetClaimPassword}",
                $"Parameters:mqtt-admin-password={BrokerAdminPassword}",
                $"Parameters:mqtt-worker-password={BrokerWorkerPassword}",
                $"Parameters:mqtt-api-password={BrokerApiPassword}",
                $"Archive:Root={ArchiveRoot}",
            ],
            LogFile,
            ConfigureResources,
            // Every replica, not only the gateway (healthy with one): tests may land on either.
            [ResourceNames.Identity, ResourceNames.DeviceWorker, .. IntegrationTests.Api.ApiReplicas.Names],
            cancellation.Token);

        // The public door: every test calls the Api as users do, through the gateway.
        ApiAddress = App.GetEndpoint(ResourceNames.Gateway, "http");
        IdentityAddress = App.GetEndpoint(ResourceNames.Identity, "http");
        DashboardAddress = App.GetEndpoint(ResourceNames.Dashboard, "http");
        Tokens = new RealmTokens(IdentityAddress, new Dictionary<string, string>
        {
            ["admin"] = AdminPassword,
            ["operator"] = OperatorPassword,
            ["viewer"] = ViewerPassword,
        }, ServiceClientSecret);
        Api = Tokens.ClientFor(ApiAddress, "admin");
        AnonymousApi = Tokens.ClientFor(ApiAddress, user: null);
        Broker = MqttBrokerAddress.Parse(await App.GetConnectionStringAsync(ResourceNames.Mqtt, cancellation.Token));
        BrokerTls = App.GetEndpoint(ResourceNames.Mqtt, DeviceTls.EndpointName);
        BrokerCaFile = DeviceTls.CaFile(App.Services.GetRequiredService<IConfiguration>());
        // Unpooled: a test that restarts PostgreSQL must not find its next check on a connection the restart killed.
        DatabaseConnectionString = (await App.GetConnectionStringAsync(ResourceNames.Database, cancellation.Token)
            ?? throw new InvalidOperationException("No iotdb connection string.")) + ";Pooling=false";
    }

    /// <summary>The broker's dynamic-security administration, as the services use it (Core's client, the admin account).</summary>
    public DynamicSecurityClient BrokerAdmin() => new(
        Broker,
        Microsoft.Extensions.Options.Options.Create(new MqttAdminOptions { Username = ServiceAccounts.AdminUsername, Password = BrokerAdminPassword }),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<DynamicSecurityClient>.Instance);

    /// <summary>The Api as one of the realm's users (admin, operator, viewer).</summary>
    public HttpClient ApiAs(string user) => Tokens.ClientFor(ApiAddress, user);

    private static string NewSecret() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        AnonymousApi?.Dispose();
        Tokens?.Dispose();
        if (App is null)
        {
            return;
        }

        await App.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await App.DisposeAsync();
        if (Directory.Exists(ArchiveRoot))
        {
            Directory.Delete(ArchiveRoot, recursive: true);
        }
    }

    public const string ExecutablePidProperty = "executable.pid";
    public const int WorkerMaxInFlightMessages = 256;
    public const int WorkerRateLimitPerSecond = 200;
    public const int WorkerRateLimitBurst = 5000;
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}

/// <summary>
/// A stack of its own for tests that stop a backing service: after PostgreSQL restarts, each Api replica's pooled
/// connections fail once (a 503) when next used, which would leak into the other tests' assertions.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DisruptedStackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "disrupted stack";
}
