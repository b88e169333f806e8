namespace IotAspire.Api.Model;

/// <summary>One stored value. <c>Value</c> is a JSON number, boolean or string, as the device sent it.</summary>
public sealed record TelemetryPoint(DateTime T, object Value);

/// <summary>Raw points of one metric ordered by time; pass <c>next</c> as <c>after</c> for the following page.</summary>
public sealed record TelemetryPage(string DeviceId, string Metric, IReadOnlyList<TelemetryPoint> Points, string? Next);

/// <summary>A metric a device has sent, with its latest value.</summary>
public sealed record MetricDto(string Name, object LastValue, DateTime LastTimestamp);

public static class TelemetryRules
{
    public const int MaxMetricLength = 128;
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10000;
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);
}
