using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IotAspire.Simulator;

/// <summary>The simulator's traces and metrics ("IotAspire.Simulator"), and the totals for its periodic summary.</summary>
public static class SimulatorDiagnostics
{
    public const string Name = "IotAspire.Simulator";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> MessagesSentCounter =
        Meter.CreateCounter<long>("iotaspire.simulator.messages.sent", "{message}", "Telemetry messages the broker accepted.");

    private static readonly Counter<long> PublishFailuresCounter =
        Meter.CreateCounter<long>("iotaspire.simulator.messages.failed", "{message}", "Telemetry messages that could not be sent.");

    private static readonly Counter<long> ConnectsCounter =
        Meter.CreateCounter<long>("iotaspire.simulator.connects", "{connect}", "Successful MQTT connects (first and re-connects).");

    private static long _sent;
    private static long _failed;
    private static long _connected;

    static SimulatorDiagnostics() =>
        Meter.CreateObservableGauge("iotaspire.simulator.devices.connected", () => Interlocked.Read(ref _connected), "{device}",
            "Virtual devices connected to the broker.");

    public static long Sent => Interlocked.Read(ref _sent);
    public static long Failed => Interlocked.Read(ref _failed);
    public static long Connected => Interlocked.Read(ref _connected);

    public static void MessageSent()
    {
        Interlocked.Increment(ref _sent);
        MessagesSentCounter.Add(1);
    }

    public static void PublishFailed()
    {
        Interlocked.Increment(ref _failed);
        PublishFailuresCounter.Add(1);
    }

    public static void DeviceConnected()
    {
        Interlocked.Increment(ref _connected);
        ConnectsCounter.Add(1);
    }

    public static void DeviceDisconnected() => Interlocked.Decrement(ref _connected);
}
