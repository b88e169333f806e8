using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IotAspire.Api.Infrastructure;

/// <summary>The Api's own traces and metrics ("IotAspire.Api", exported by ServiceDefaults' wildcard).</summary>
public static class ApiDiagnostics
{
    public const string Name = "IotAspire.Api";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> DevicesRegistered =
        Meter.CreateCounter<long>("iotaspire.api.devices.registered", "{device}", "Devices registered.");

    public static readonly Counter<long> CredentialsRotated =
        Meter.CreateCounter<long>("iotaspire.api.devices.credentials_rotated", "{device}", "Device passwords replaced.");

    public static readonly Counter<long> BrokerFailures =
        Meter.CreateCounter<long>("iotaspire.api.broker.failures", "{failure}", "Broker account operations that failed.");

    public static readonly Counter<long> DatabaseReadRetries =
        Meter.CreateCounter<long>("iotaspire.api.database.read_retries", "{request}", "GET requests run again after they met a dead pooled database connection.");

    public static readonly Counter<long> TelemetryQueries =
        Meter.CreateCounter<long>("iotaspire.api.telemetry.queries", "{query}", "Telemetry queries answered, by resolution (tag iot.telemetry.resolution).");

    public static readonly Counter<long> ShadowUpdates =
        Meter.CreateCounter<long>("iotaspire.api.shadow.updates", "{update}", "Shadow updates of desired accepted.");

    public static readonly Counter<long> ShadowUpdatesRejected =
        Meter.CreateCounter<long>("iotaspire.api.shadow.rejected", "{update}", "Shadow updates rejected (version, size, depth, format).");

    public static readonly Counter<long> ShadowNotificationsFailed =
        Meter.CreateCounter<long>("iotaspire.api.shadow.notifications_failed", "{update}", "Stored shadow updates whose MQTT notification failed.");

    public static readonly Counter<long> CommandsSent =
        Meter.CreateCounter<long>("iotaspire.api.commands.sent", "{command}", "Commands published to devices.");

    public static readonly Counter<long> CommandsTimedOut =
        Meter.CreateCounter<long>("iotaspire.api.commands.timed_out", "{command}", "Commands the device did not answer in time.");

    public static readonly Counter<long> CommandResponsesMatched =
        Meter.CreateCounter<long>("iotaspire.api.commands.responses", "{response}", "Command answers matched to a request of this replica.");

    public static readonly Counter<long> MqttConnectFailures =
        Meter.CreateCounter<long>("iotaspire.api.mqtt.connect_failures", "{failure}", "Failed attempts to connect to the broker.");

    public static readonly Counter<long> MqttPublishFailures =
        Meter.CreateCounter<long>("iotaspire.api.mqtt.publish_failures", "{failure}", "Publishes the broker refused or that failed.");
}
