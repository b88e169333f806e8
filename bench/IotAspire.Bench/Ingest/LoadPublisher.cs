using IotAspire.Core.Mqtt;
using IotAspire.Simulator;
using IotAspire.Simulator.Api;
using IotAspire.Simulator.Devices;
using IotAspire.Testing;
using Microsoft.Extensions.Logging;

namespace IotAspire.Bench.Ingest;

/// <summary>
/// The Simulator's load mode run in-process: the same <see cref="VirtualDevice"/>s (one MQTT connection each,
/// registered through the Api like the Simulator does), so that every message the broker accepted is counted per device.
/// </summary>
public sealed class LoadPublisher(
    IReadOnlyList<(string Id, MqttCredentials Credentials)> devices,
    SimulatorOptions options,
    MqttBrokerAddress broker,
    HttpClient http,
    DeviceRegistrationClient registration,
    ILoggerFactory loggers) : IDisposable
{
    private const int ConcurrentRegistrations = 16;

    public SimulatorOptions Options => options;

    /// <summary>The devices' counters, as the Simulator keeps them (its Meter from a factory of our own: no host here).</summary>
    public SimulatorDiagnostics Diagnostics { get; } = new(StandaloneMeters.Factory);

    public static async Task<LoadPublisher> RegisterAsync(HttpClient http, IngestSettings settings, MqttBrokerAddress broker, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var options = new SimulatorOptions
        {
            Devices = settings.Devices,
            IdPrefix = settings.IdPrefix,
            ValuesPerMessage = settings.Values,
            Qos = settings.Qos,
            RatePerSecond = settings.Rate,
            // Rate 0 = as fast as possible: a 1 ms period that every device is always behind of, so it never waits.
            IntervalSeconds = 0.001,
            TraceMessages = false,
            // Telemetry only: no shadow reports or subscriptions, so the ingest figures stay comparable.
            Interactive = false,
        };
        var registration = new DeviceRegistrationClient(http, loggers.CreateLogger<DeviceRegistrationClient>());
        using var gate = new SemaphoreSlim(ConcurrentRegistrations);
        var registered = await Task.WhenAll(Enumerable.Range(0, settings.Devices).Select(async index =>
        {
            var id = options.DeviceId(index);
            await gate.WaitAsync(cancellationToken);
            try
            {
                return (id, await registration.GetCredentialsAsync(id, cancellationToken));
            }
            finally
            {
                gate.Release();
            }
        }));
        return new LoadPublisher(registered, options, broker, http, registration, loggers);
    }

    /// <summary>Connects every device and lets each send as its options say, until the run is stopped.</summary>
    public PublishRun Start()
    {
        var stop = new CancellationTokenSource();
        var period = options.MessagePeriod;
        var running = devices.Select((device, index) =>
        {
            var virtualDevice = new VirtualDevice(
                device.Id, device.Credentials, broker, options, registration, Diagnostics, loggers.CreateLogger<VirtualDevice>());
            var startDelay = period * index / devices.Count;
            return (device.Id, virtualDevice, RunAsync(virtualDevice, period, startDelay, stop.Token));
        }).ToList();
        return new PublishRun(running, stop, Diagnostics);
    }

    private static async Task RunAsync(VirtualDevice device, TimeSpan period, TimeSpan startDelay, CancellationToken cancellationToken)
    {
        try
        {
            await device.RunAsync(period, startDelay, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over. A publish cut short by the stop surfaces as MQTTnet's timeout, not as a cancellation;
            // a message whose acknowledgement never came is not counted as sent (and may still be stored: "extra").
        }
    }

    public void Dispose() => http.Dispose();
}

/// <summary>A running load: counts while it runs, per-device totals once stopped.</summary>
public sealed class PublishRun(
    IReadOnlyList<(string Id, VirtualDevice Device, Task Task)> devices, CancellationTokenSource stop, SimulatorDiagnostics diagnostics)
{
    public long Sent => diagnostics.Sent;
    public long Failed => diagnostics.Failed;
    public long Connected => diagnostics.Connected;

    /// <summary>Stops sending, says goodbye (offline status, clean disconnect) and returns what each device sent.</summary>
    public async Task<IReadOnlyDictionary<string, long>> StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(devices.Select(d => d.Task));
        var sent = devices.ToDictionary(d => d.Id, d => d.Device.MessagesSent, StringComparer.Ordinal);
        await Task.WhenAll(devices.Select(d => d.Device.DisposeAsync().AsTask()));
        stop.Dispose();
        return sent;
    }
}
