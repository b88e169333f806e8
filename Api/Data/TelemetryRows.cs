using IotAspire.Core.Telemetry;

namespace IotAspire.Api.Data;

/// <summary>A row of <c>telemetry</c>: its time and the one value column that is set. A struct: a page holds up to 10,000.</summary>
public readonly record struct PointRow(DateTime Timestamp, TelemetryValue Value);

/// <summary>A row of <c>telemetry_1m</c> / <c>telemetry_1h</c>, or several of them merged into a wider bucket.</summary>
public readonly record struct BucketRow(DateTime Bucket, double Min, double Max, double Sum, long Count);
