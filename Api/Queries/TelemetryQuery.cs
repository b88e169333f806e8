using IotAspire.Api.Model;
using IotAspire.Core.Telemetry;

namespace IotAspire.Api.Queries;

/// <summary>Why a telemetry query was refused: the title and detail of its 400.</summary>
public sealed record QueryError(string Title, string Detail);

/// <summary>
/// A validated telemetry query. <c>Interval</c> is null when the caller left the resolution to the server
/// (<see cref="TelemetryResolution.Raw"/> when it asked for raw points).
/// <c>After</c> (a keyset position) is only set when one metric is asked for.
/// </summary>
public sealed record TelemetryQuery(IReadOnlyList<string> Metrics, TimeRange Range, TelemetryResolution? Interval, int Limit, DateTime? After)
{
    /// <summary>Checks every parameter against <see cref="TelemetryRules"/>; pure, so each rule has a unit test.</summary>
    public static bool TryCreate(
        IReadOnlyList<string?>? metrics, DateTimeOffset? from, DateTimeOffset? to, string? interval, int? limit, string? after,
        DateTimeOffset now, out TelemetryQuery query, out QueryError error)
    {
        query = null!;
        if (!TryReadMetrics(metrics, out var names, out error)
            || !TryReadRange(from, to, now, out var range, out error)
            || !TryReadInterval(interval, range, out var resolution, out error))
        {
            return false;
        }

        if (limit is < 1 or > TelemetryRules.MaxLimit)
        {
            error = new QueryError("Invalid limit", $"'limit' must be between 1 and {TelemetryRules.MaxLimit}.");
            return false;
        }

        if (!TryReadCursor(after, names.Count, resolution, out var afterTime, out error))
        {
            return false;
        }

        query = new TelemetryQuery(names, range, resolution, limit ?? TelemetryRules.DefaultLimit, afterTime);
        return true;
    }

    private static bool TryReadMetrics(IReadOnlyList<string?>? metrics, out IReadOnlyList<string> names, out QueryError error)
    {
        names = [];
        error = new QueryError("Invalid metric",
            $"Give 1-{TelemetryRules.MaxMetricsPerRequest} metrics (repeat 'metric'), each 1-{TelemetryRules.MaxMetricLength} characters without control characters.");
        if (metrics is null || metrics.Count == 0)
        {
            return false;
        }

        var distinct = new List<string>(metrics.Count);
        foreach (var metric in metrics)
        {
            // The ingest rules: a name no device can send is a mistake of the caller, not an empty series.
            if (metric is null || metric.Length > TelemetryRules.MaxMetricLength || TelemetryParser.ValidateMetricName(metric) is not null)
            {
                return false;
            }

            if (!distinct.Contains(metric, StringComparer.Ordinal))
            {
                distinct.Add(metric);
            }
        }

        if (distinct.Count > TelemetryRules.MaxMetricsPerRequest)
        {
            return false;
        }

        names = distinct;
        return true;
    }

    private static bool TryReadRange(DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset now, out TimeRange range, out QueryError error)
    {
        var valid = TimeRange.TryCreate(from, to, now, out range, out var detail);
        error = new QueryError("Invalid time range", detail);
        return valid;
    }

    private static bool TryReadInterval(string? text, TimeRange range, out TelemetryResolution? interval, out QueryError error)
    {
        interval = null;
        error = null!;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!TelemetryResolutions.TryParseInterval(text, out var parsed))
        {
            error = new QueryError("Invalid interval",
                $"'interval' must be one of {TelemetryResolutions.AllowedIntervals}, or left out to let the server choose.");
            return false;
        }

        if (parsed != TelemetryResolution.Raw && !ResolutionPolicy.TryCheckBucketLimit(range, parsed, out var tooMany))
        {
            error = new QueryError("Too many buckets", tooMany);
            return false;
        }

        interval = parsed;
        return true;
    }

    private static bool TryReadCursor(string? after, int metricCount, TelemetryResolution? interval, out DateTime? afterTime, out QueryError error)
    {
        afterTime = null;
        error = null!;
        if (string.IsNullOrEmpty(after))
        {
            return true;
        }

        if (metricCount > 1 || interval is not (null or TelemetryResolution.Raw))
        {
            error = new QueryError("Invalid cursor", "'after' pages the raw points of one series: ask for one metric, without a bucket interval.");
            return false;
        }

        if (!TelemetryCursor.TryParse(after, out var parsed))
        {
            error = new QueryError("Invalid cursor", "'after' must be a series' 'next' or an ISO-8601 timestamp.");
            return false;
        }

        afterTime = parsed;
        return true;
    }
}
