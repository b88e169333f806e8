using System.Globalization;
using IotAspire.Api.Model;
using IotAspire.Core.Telemetry;

namespace IotAspire.Api.Queries;

/// <summary>
/// Which resolution answers a telemetry query, and whether a requested interval stays within the limits.
/// Pure functions of the range and the estimate, so every rule is unit-tested without a database.
/// </summary>
public static class ResolutionPolicy
{
    /// <summary>Start of the epoch-aligned bucket of <paramref name="width"/> that holds <paramref name="time"/> (like Postgres' date_bin(width, time, 'epoch')).</summary>
    public static DateTime BucketStart(DateTime time, TimeSpan width) =>
        new(TimeBuckets.StartTicks(time.Ticks, width), DateTimeKind.Utc);

    /// <summary>How many epoch-aligned buckets overlap the half-open range [From, To).</summary>
    public static long BucketCount(TimeRange range, TimeSpan width)
    {
        var first = BucketStart(range.From, width);
        var last = BucketStart(range.To.AddTicks(-1), width);
        return ((last - first).Ticks / width.Ticks) + 1;
    }

    /// <summary>An explicit interval may ask for at most <see cref="TelemetryRules.MaxBuckets"/> buckets per series.</summary>
    public static bool TryCheckBucketLimit(TimeRange range, TelemetryResolution interval, out string error)
    {
        var count = BucketCount(range, TelemetryResolutions.Width(interval));
        if (count <= TelemetryRules.MaxBuckets)
        {
            error = "";
            return true;
        }

        error = string.Create(CultureInfo.InvariantCulture,
            $"{TelemetryResolutions.Name(interval)} over {Describe(range.To - range.From)} is {count:N0} buckets; the limit is "
            + $"{TelemetryRules.MaxBuckets:N0}: use a coarser interval or a shorter range.");
        return false;
    }

    /// <summary>The finest interval that keeps a series of the range within <see cref="TelemetryRules.AutomaticMaxPoints"/> buckets.</summary>
    public static TelemetryResolution FinestIntervalFor(TimeRange range)
    {
        foreach (var interval in TelemetryResolutions.Intervals)
        {
            if (BucketCount(range, TelemetryResolutions.Width(interval)) <= TelemetryRules.AutomaticMaxPoints)
            {
                return interval;
            }
        }

        // Only past the longest allowed range (1d over 3 years is ~1,100 buckets): still the coarsest we have.
        return TelemetryResolution.OneDay;
    }

    /// <summary>
    /// Without an interval: raw points when the fullest series holds at most <see cref="TelemetryRules.AutomaticMaxPoints"/>
    /// points in the range (<paramref name="estimatedMaxPoints"/>), else the finest interval that keeps the answer chart-sized.
    /// </summary>
    public static TelemetryResolution ChooseAutomatic(TimeRange range, long estimatedMaxPoints) =>
        estimatedMaxPoints <= TelemetryRules.AutomaticMaxPoints ? TelemetryResolution.Raw : FinestIntervalFor(range);

    /// <summary>"90 days", "36 hours", "2.5 minutes": a span the way people write it.</summary>
    public static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? Plural(span.TotalDays, "day")
        : span.TotalHours >= 1 ? Plural(span.TotalHours, "hour")
        : span.TotalMinutes >= 1 ? Plural(span.TotalMinutes, "minute")
        : Plural(span.TotalSeconds, "second");

    private static string Plural(double amount, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{amount:#,0.##} {unit}{(amount == 1 ? "" : "s")}");
}
