namespace IotAspire.Api.Model;

/// <summary>The limits of telemetry queries: a request beyond them is a 400, never a slow query.</summary>
public static class TelemetryRules
{
    public const int MaxMetricLength = 128;
    public const int MaxMetricsPerRequest = 10;

    /// <summary>Raw points per series and page. The default lets an automatic raw answer (at most ~<see cref="AutomaticMaxPoints"/>) fit one page.</summary>
    public const int DefaultLimit = AutomaticMaxPoints;
    public const int MaxLimit = 10_000;

    /// <summary>Without an interval, a range whose series hold more raw points than this is answered with buckets.</summary>
    public const int AutomaticMaxPoints = 2_000;

    /// <summary>Buckets per series an explicit interval may ask for.</summary>
    public const int MaxBuckets = 10_000;

    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);

    /// <summary>Query times before this are rejected: buckets are aligned to the Unix epoch, and no device data is older than 2000.</summary>
    public static readonly DateTimeOffset EarliestQueryTime = DateTimeOffset.UnixEpoch;

    /// <summary>Query times from this on are rejected: far enough from DateTime.MaxValue that no interval arithmetic overflows.</summary>
    public static readonly DateTimeOffset LatestQueryTime = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Three years (one of them a leap year): the coarsest interval (1d) still gives a chart-sized answer.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(1096);
}
