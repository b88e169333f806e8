using System.Text.Json.Serialization;
using IotAspire.Core.Telemetry;

namespace IotAspire.Api.Model;

/// <summary>
/// Answer to <c>GET /api/devices/{id}/telemetry</c>: one series per metric asked for, in the order asked.
/// <c>Resolution</c> says what the series hold: raw points (<c>raw</c>) or buckets of that width.
/// </summary>
public sealed record TelemetryResponse(
    string DeviceId, DateTime From, DateTime To, TelemetryResolution Resolution, IReadOnlyList<TelemetrySeries> Series);

/// <summary>The data of one metric: <see cref="RawSeries"/> when the resolution is <c>raw</c>, else <see cref="BucketSeries"/>.</summary>
// No type discriminator: the response's "resolution" already says which shape every series has.
[JsonDerivedType(typeof(RawSeries))]
[JsonDerivedType(typeof(BucketSeries))]
public abstract record TelemetrySeries([property: JsonPropertyOrder(-1)] string Metric);

/// <summary>Stored points ordered by time. When <c>Next</c> is set, more follow: ask again for this metric with <c>after=Next</c>.</summary>
public sealed record RawSeries(string Metric, IReadOnlyList<TelemetryPoint> Points, string? Next) : TelemetrySeries(Metric);

/// <summary>Buckets ordered by time; only buckets that hold at least one numeric value are listed.</summary>
public sealed record BucketSeries(string Metric, IReadOnlyList<TelemetryBucket> Buckets) : TelemetrySeries(Metric);

/// <summary>One stored value at time <c>T</c>. <c>Value</c> is a JSON number, boolean or string, as the device sent it.</summary>
public readonly record struct TelemetryPoint(DateTime T, TelemetryValue Value);

/// <summary>The numeric values of one interval starting at <c>T</c> (UTC, aligned to the Unix epoch); <c>Avg</c> = sum / count.</summary>
// Strict: the web default (numbers also read from strings) would document every field as "number or string".
[JsonNumberHandling(JsonNumberHandling.Strict)]
public readonly record struct TelemetryBucket(DateTime T, double Min, double Max, double Avg, long Count);

/// <summary>A metric a device has sent, with its latest value.</summary>
public sealed record MetricDto(string Name, object LastValue, DateTime LastTimestamp)
{
    public static MetricDto From(Data.LatestValueRow row) => new(row.Metric, row.Latest.Value, row.Latest.Timestamp);
}

/// <summary>How finely a telemetry answer is resolved: raw points or buckets of a fixed width.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TelemetryResolution>))]
public enum TelemetryResolution
{
    [JsonStringEnumMemberName("raw")] Raw,
    [JsonStringEnumMemberName("1m")] OneMinute,
    [JsonStringEnumMemberName("5m")] FiveMinutes,
    [JsonStringEnumMemberName("15m")] FifteenMinutes,
    [JsonStringEnumMemberName("1h")] OneHour,
    [JsonStringEnumMemberName("6h")] SixHours,
    [JsonStringEnumMemberName("1d")] OneDay,
}
