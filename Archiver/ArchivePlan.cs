namespace IotAspire.Archiver;

/// <summary>The pure rules of the Archiver's schedule, each with a unit test.</summary>
public static class ArchivePlan
{
    /// <summary>
    /// Days that ended at or before this are closed: the start of the UTC day that holds <c>now - grace</c>. Points may
    /// still arrive for closed days (late data); they go into later parts.
    /// </summary>
    public static DateTime ClosedBefore(DateTimeOffset now, TimeSpan grace)
    {
        var at = (now - grace).UtcDateTime;
        return new DateTime(at.Year, at.Month, at.Day, 0, 0, 0, DateTimeKind.Utc);
    }

    /// <summary>How far the watermark is behind the newest closed day's end (zero when caught up; the whole span without one).</summary>
    public static TimeSpan Lag(DateTime closedBefore, DateTime? watermark, DateTime? oldestRawDay) =>
        (watermark ?? oldestRawDay ?? closedBefore) is var from && from < closedBefore ? closedBefore - from : TimeSpan.Zero;

    /// <summary>The wait before retry <paramref name="failures"/> (1, 2, 4, ... seconds, at most <paramref name="max"/>).</summary>
    public static TimeSpan Backoff(int failures, TimeSpan max) =>
        failures <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(max.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 30))));
}
