namespace IotAspire.Core.Telemetry;

/// <summary>Epoch-aligned time buckets, as PostgreSQL's date_bin(width, ts, 'epoch') and the rollup tables use them.</summary>
public static class TimeBuckets
{
    /// <summary>UTC ticks of the start of the bucket of <paramref name="width"/> that holds <paramref name="utcTicks"/>; down also before the epoch.</summary>
    public static long StartTicks(long utcTicks, TimeSpan width)
    {
        var sinceEpoch = utcTicks - DateTime.UnixEpoch.Ticks;
        var intoBucket = ((sinceEpoch % width.Ticks) + width.Ticks) % width.Ticks;
        return utcTicks - intoBucket;
    }
}
