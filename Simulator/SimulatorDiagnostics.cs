using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IotAspire.Simulator;

/// <summary>
/// The simulator's traces and metrics ("IotAspire.Simulator", its Meter from <see cref="IMeterFactory"/> like every
/// service's), and the totals for its periodic summary and for a load run that counts what its devices sent.
/// </summary>
public sealed class SimulatorDiagnostics
{
    public const string Name = "IotAspire.Simulator";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _connects;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _shadowReports;
    private readonly Counter<long> _shadowRejections;
    private readonly Counter<long> _inboxFailures;
    private long _sent;
    private long _failed;
    private long _connected;

    public SimulatorDiagnostics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        const string prefix = "iotaspire.simulator.";
        _messagesSent = meter.CreateCounter<long>(prefix + "messages.sent", "{message}", "Telemetry messages the broker accepted.");
        _publishFailures = meter.CreateCounter<long>(prefix + "messages.failed", "{message}", "Telemetry messages that could not be sent.");
        _connects = meter.CreateCounter<long>(prefix + "connects", "{connect}", "Successful MQTT connects (first and re-connects).");
        _commands = meter.CreateCounter<long>(prefix + "commands", "{command}", "Commands answered, by name and status.");
        _shadowReports = meter.CreateCounter<long>(prefix + "shadow.reports", "{report}", "Reported-state updates sent (on connect and after a delta or command).");
        _shadowRejections = meter.CreateCounter<long>(prefix + "shadow.rejected", "{report}", "Shadow updates the cloud rejected.");
        _inboxFailures = meter.CreateCounter<long>(prefix + "inbox.failures", "{message}", "Received messages the device could not handle.");
        meter.CreateObservableGauge(prefix + "devices.connected", () => Interlocked.Read(ref _connected), "{device}",
            "Virtual devices connected to the broker.");
    }

    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);
    public long Connected => Interlocked.Read(ref _connected);

    public void MessageSent()
    {
        Interlocked.Increment(ref _sent);
        _messagesSent.Add(1);
    }

    public void PublishFailed()
    {
        Interlocked.Increment(ref _failed);
        _publishFailures.Add(1);
    }

    public void DeviceConnected()
    {
        Interlocked.Increment(ref _connected);
        _connects.Add(1);
    }

    public void CommandAnswered(string name, int status) =>
        _commands.Add(1, new KeyValuePair<string, object?>("command", name), new KeyValuePair<string, object?>("status", status));

    public void ShadowReported() => _shadowReports.Add(1);

    public void ShadowRejected() => _shadowRejections.Add(1);

    public void InboxFailed() => _inboxFailures.Add(1);

    public void DeviceDisconnected() => Interlocked.Decrement(ref _connected);
}
