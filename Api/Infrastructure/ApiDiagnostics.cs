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

    public static readonly Counter<long> TelemetryQueries =
        Meter.CreateCounter<long>("iotaspire.api.telemetry.queries", "{query}", "Telemetry queries answered, by resolution (tag iot.telemetry.resolution).");
}
