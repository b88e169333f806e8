namespace IotAspire.Dashboard.Charts;

/// <summary>
/// What to ask the Api for to draw a range on a chart this many pixels wide: at most ~2 points per pixel. Raw points
/// when even a 1 Hz device fits; raw first, with buckets as the fallback, when a device reporting every few seconds
/// would fit (the Api says when a raw page is cut short); else the finest bucket width that fits (min/max band, avg line).
/// </summary>
public sealed record ChartPlan(string Interval, int RawLimit, string? Fallback)
{
    public const string Raw = "raw";

    /// <summary>The Api's bucket widths, finest first (GET /api/devices/{id}/telemetry?interval=).</summary>
    public static readonly IReadOnlyList<(string Name, TimeSpan Width)> BucketWidths =
    [
        ("1m", TimeSpan.FromMinutes(1)),
        ("5m", TimeSpan.FromMinutes(5)),
        ("15m", TimeSpan.FromMinutes(15)),
        ("1h", TimeSpan.FromHours(1)),
        ("6h", TimeSpan.FromHours(6)),
        ("1d", TimeSpan.FromDays(1)),
    ];

    /// <summary>Raw is tried while a device sending every this often would fit the chart.</summary>
    private static readonly TimeSpan RawTrySpacing = TimeSpan.FromSeconds(5);

    public const int PointsPerPixel = 2;

    /// <summary>Narrow charts (a phone) still get a useful number of points.</summary>
    public const int MinPoints = 200;

    public static ChartPlan For(TimeSpan range, int widthPixels)
    {
        var maxPoints = Math.Max(MinPoints, widthPixels * PointsPerPixel);
        var finest = FinestBucketsWithin(range, maxPoints);
        if (range.TotalSeconds <= maxPoints)
        {
            return new ChartPlan(Raw, maxPoints, null);
        }

        if (range <= RawTrySpacing * maxPoints)
        {
            return new ChartPlan(Raw, maxPoints, finest);
        }

        return new ChartPlan(finest, maxPoints, null);
    }

    /// <summary>The finest bucket width with at most <paramref name="maxPoints"/> buckets over the range (1d at the longest).</summary>
    public static string FinestBucketsWithin(TimeSpan range, int maxPoints)
    {
        foreach (var (name, width) in BucketWidths)
        {
            // +1: a range rarely starts on a bucket boundary, so it touches one bucket more.
            if (Math.Ceiling(range / width) + 1 <= maxPoints)
            {
                return name;
            }
        }

        return BucketWidths[^1].Name;
    }
}
