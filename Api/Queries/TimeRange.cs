using IotAspire.Api.Model;

namespace IotAspire.Api.Queries;

/// <summary>A half-open UTC range [From, To) of a telemetry query.</summary>
public readonly record struct TimeRange(DateTime From, DateTime To)
{
    /// <summary>
    /// Fills in the defaults (a missing end is now, a missing start is 24 h before the end: the last 24 hours)
    /// and rejects an empty or inverted range, and one longer than <see cref="TelemetryRules.MaxRange"/>.
    /// </summary>
    public static bool TryCreate(DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset now, out TimeRange range, out string error)
    {
        range = default;
        // Checked before any arithmetic: 'to=0001-01-01' without 'from' would underflow the default start.
        if ((OutsideSupported(from, "from") ?? OutsideSupported(to, "to")) is { } outside)
        {
            error = outside;
            return false;
        }

        var end = to ?? now;
        var begin = from ?? end - TelemetryRules.DefaultRange;
        range = new TimeRange(begin.UtcDateTime, end.UtcDateTime);
        if (end <= begin)
        {
            error = $"'to' ({end.UtcDateTime:O}) must be later than 'from' ({begin.UtcDateTime:O}); 'to' defaults to now.";
            return false;
        }

        if (end - begin > TelemetryRules.MaxRange)
        {
            error = $"The range is {ResolutionPolicy.Describe(end - begin)}; the longest range is "
                + $"{ResolutionPolicy.Describe(TelemetryRules.MaxRange)} (3 years): use a shorter range.";
            return false;
        }

        error = "";
        return true;
    }

    private static string? OutsideSupported(DateTimeOffset? time, string name) =>
        time is { } t && (t < TelemetryRules.EarliestQueryTime || t >= TelemetryRules.LatestQueryTime)
            ? $"'{name}' ({t.UtcDateTime:O}) is outside the supported range [{TelemetryRules.EarliestQueryTime:yyyy-MM-dd}, {TelemetryRules.LatestQueryTime:yyyy-MM-dd}); buckets are aligned to the Unix epoch."
            : null;
}
