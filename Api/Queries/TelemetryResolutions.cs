using IotAspire.Api.Model;

namespace IotAspire.Api.Queries;

/// <summary>The bucket widths a telemetry query may ask for, and their names in URLs and answers.</summary>
public static class TelemetryResolutions
{
    /// <summary>Every bucketed resolution, finest first.</summary>
    public static readonly IReadOnlyList<TelemetryResolution> Intervals =
    [
        TelemetryResolution.OneMinute, TelemetryResolution.FiveMinutes, TelemetryResolution.FifteenMinutes,
        TelemetryResolution.OneHour, TelemetryResolution.SixHours, TelemetryResolution.OneDay,
    ];

    /// <summary>"raw, 1m, 5m, 15m, 1h, 6h, 1d", for error messages.</summary>
    public static readonly string AllowedIntervals = string.Join(", ", Intervals.Prepend(TelemetryResolution.Raw).Select(Name));

    public static string Name(TelemetryResolution resolution) => resolution switch
    {
        TelemetryResolution.Raw => "raw",
        TelemetryResolution.OneMinute => "1m",
        TelemetryResolution.FiveMinutes => "5m",
        TelemetryResolution.FifteenMinutes => "15m",
        TelemetryResolution.OneHour => "1h",
        TelemetryResolution.SixHours => "6h",
        TelemetryResolution.OneDay => "1d",
        _ => throw new ArgumentOutOfRangeException(nameof(resolution), resolution, null),
    };

    /// <summary>The width of one bucket; raw has none.</summary>
    public static TimeSpan Width(TelemetryResolution resolution) => resolution switch
    {
        TelemetryResolution.OneMinute => TimeSpan.FromMinutes(1),
        TelemetryResolution.FiveMinutes => TimeSpan.FromMinutes(5),
        TelemetryResolution.FifteenMinutes => TimeSpan.FromMinutes(15),
        TelemetryResolution.OneHour => TimeSpan.FromHours(1),
        TelemetryResolution.SixHours => TimeSpan.FromHours(6),
        TelemetryResolution.OneDay => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "Raw points have no bucket width."),
    };

    /// <summary>Reads an <c>interval</c> query value: exactly one of the names in <see cref="AllowedIntervals"/> ("raw" asks for raw points).</summary>
    public static bool TryParseInterval(string? text, out TelemetryResolution interval)
    {
        foreach (var candidate in Intervals.Prepend(TelemetryResolution.Raw))
        {
            if (string.Equals(text, Name(candidate), StringComparison.Ordinal))
            {
                interval = candidate;
                return true;
            }
        }

        interval = default;
        return false;
    }
}
