using System.Globalization;

namespace IotAspire.Core.Telemetry;

/// <summary>
/// The times a point may carry, relative to when its message arrived. Points outside are rejected with the message:
/// a device clock that is far off stores data where nobody looks for it, and every new day creates a partition.
/// </summary>
/// <param name="MaxAge">How far back a point may lie (backfill after an outage); zero: only the 2000-01-01 floor.</param>
/// <param name="MaxFutureSkew">How far ahead of the receive time a point may lie (device clocks drift).</param>
public readonly record struct TelemetryWindow(TimeSpan MaxAge, TimeSpan MaxFutureSkew)
{
    public static TelemetryWindow Default { get; } = new(TelemetryLimits.DefaultMaxAge, TelemetryLimits.DefaultMaxFutureSkew);

    /// <summary>Null when <paramref name="timestamp"/> is inside the window around <paramref name="receivedAt"/>, else why not.</summary>
    public string? Check(DateTimeOffset timestamp, DateTimeOffset receivedAt)
    {
        if (timestamp < TelemetryLimits.EarliestTimestamp)
        {
            return "is before " + TelemetryLimits.EarliestTimestamp.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                + " (the device's clock is not set)";
        }

        if (MaxAge > TimeSpan.Zero && timestamp < receivedAt - MaxAge)
        {
            return $"is more than {Describe(MaxAge)} in the past";
        }

        return timestamp > receivedAt + MaxFutureSkew ? $"is more than {Describe(MaxFutureSkew)} in the future" : null;
    }

    private static string Describe(TimeSpan span) => span switch
    {
        { TotalDays: 1 } => "a day",
        { TotalDays: >= 1 } when span.Ticks % TimeSpan.TicksPerDay == 0 => $"{span.TotalDays:0} days",
        { TotalHours: >= 1 } when span.Ticks % TimeSpan.TicksPerHour == 0 => $"{span.TotalHours:0} hours",
        _ => $"{span.TotalMinutes:0.##} minutes",
    };
}
