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

    private static readonly Counter<long> CommandsCounter =
        Meter.CreateCounter<long>("iotaspire.simulator.commands", "{command}", "Commands answered, by name and status.");

    private static readonly Counter<long> ShadowReportsCounter =
        Meter.CreateCounter<long>("iotaspire.simulator.shadow.reports", "{report}", "Reported-state updates sent (on connect and after a delta or command).");

    private static readonly Counter<long> ShadowRejectionsCounter =
        Meter.CreateCounter<long>("iotaspire.simulator.shadow.rejected", "{report}", "Shadow updates the cloud rejected.");

    private static readonly Counter<long> InboxFailuresCounter =
        Meter.CreateCounter<long>("iotaspire.simulator.inbox.failures", "{message}", "Received messages the device could not handle.");

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

    public static void CommandAnswered(string name, int status) =>
        CommandsCounter.Add(1, new KeyValuePair<string, object?>("command", name), new KeyValuePair<string, object?>("status", status));

    public static void ShadowReported() => ShadowReportsCounter.Add(1);

    public static void ShadowRejected() => ShadowRejectionsCounter.Add(1);

    public static void InboxFailed() => InboxFailuresCounter.Add(1);

    public static void DeviceDisconnected() => Interlocked.Decrement(ref _connected);
}
