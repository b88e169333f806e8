using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IotAspire.Api.Infrastructure;

/// <summary>
/// The Api's own traces and metrics ("IotAspire.Api", exported by ServiceDefaults' wildcard): one singleton, its Meter
/// from <see cref="IMeterFactory"/> like every service's, so that tests can listen to one host's instruments alone.
/// </summary>
public sealed class ApiDiagnostics
{
    public const string Name = "IotAspire.Api";

    public static readonly ActivitySource ActivitySource = new(Name);

    public ApiDiagnostics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        DevicesRegistered = meter.CreateCounter<long>("iotaspire.api.devices.registered", "{device}", "Devices registered.");
        CredentialsRotated = meter.CreateCounter<long>("iotaspire.api.devices.credentials_rotated", "{device}", "Device passwords replaced.");
        BrokerFailures = meter.CreateCounter<long>("iotaspire.api.broker.failures", "{failure}", "Broker account operations that failed.");
        DatabaseReadRetries = meter.CreateCounter<long>("iotaspire.api.database.read_retries", "{request}", "GET requests run again after they met a dead pooled database connection.");
        TelemetryQueries = meter.CreateCounter<long>("iotaspire.api.telemetry.queries", "{query}", "Telemetry queries answered, by resolution (tag iot.telemetry.resolution).");
        ShadowUpdates = meter.CreateCounter<long>("iotaspire.api.shadow.updates", "{update}", "Shadow updates of desired accepted.");
        ShadowUpdatesRejected = meter.CreateCounter<long>("iotaspire.api.shadow.rejected", "{update}", "Shadow updates rejected (version, size, depth, format).");
        ShadowNotificationsFailed = meter.CreateCounter<long>("iotaspire.api.shadow.notifications_failed", "{update}", "Stored shadow updates whose MQTT notification failed.");
        CommandsSent = meter.CreateCounter<long>("iotaspire.api.commands.sent", "{command}", "Commands published to devices.");
        CommandsTimedOut = meter.CreateCounter<long>("iotaspire.api.commands.timed_out", "{command}", "Commands the device did not answer in time.");
        CommandResponsesMatched = meter.CreateCounter<long>("iotaspire.api.commands.responses", "{response}", "Command answers matched to a request of this replica.");
        MqttConnectFailures = meter.CreateCounter<long>("iotaspire.api.mqtt.connect_failures", "{failure}", "Failed attempts to connect to the broker.");
        MqttPublishFailures = meter.CreateCounter<long>("iotaspire.api.mqtt.publish_failures", "{failure}", "Publishes the broker refused or that failed.");
    }

    public Counter<long> DevicesRegistered { get; }

    public Counter<long> CredentialsRotated { get; }

    public Counter<long> BrokerFailures { get; }

    public Counter<long> DatabaseReadRetries { get; }

    public Counter<long> TelemetryQueries { get; }

    public Counter<long> ShadowUpdates { get; }

    public Counter<long> ShadowUpdatesRejected { get; }

    public Counter<long> ShadowNotificationsFailed { get; }

    public Counter<long> CommandsSent { get; }

    public Counter<long> CommandsTimedOut { get; }

    public Counter<long> CommandResponsesMatched { get; }

    public Counter<long> MqttConnectFailures { get; }

    public Counter<long> MqttPublishFailures { get; }
}
