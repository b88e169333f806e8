namespace IotAspire.Core.Telemetry;

/// <summary>One value of one metric at one time, as parsed from a device's telemetry message.</summary>
public sealed record TelemetryPoint(string Metric, DateTimeOffset Timestamp, TelemetryValue Value);
