using IotAspire.Core.Telemetry;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// A batch's numeric points summed up per (device, metric, bucket) and its latest value per (device, metric),
/// computed in the worker so the database receives one row per rollup bucket instead of one per point.
/// Only valid for rows that were all inserted (the fast path): a duplicate would be counted twice.
/// </summary>
public sealed class RollupAggregates
{
    public sealed class Bucket
    {
        public double Min = double.PositiveInfinity;
        public double Max = double.NegativeInfinity;
        public double Sum;
        public long Count;
        public DateTimeOffset First = DateTimeOffset.MaxValue;
        public DateTimeOffset Last = DateTimeOffset.MinValue;

        public void Add(double value, DateTimeOffset at)
        {
            Min = Math.Min(Min, value);
            Max = Math.Max(Max, value);
            Sum += value;
            Count++;
            if (at < First)
            {
                First = at;
            }

            if (at > Last)
            {
                Last = at;
            }
        }
    }

    public SortedDictionary<(long Device, int Metric, DateTimeOffset Bucket), Bucket> Minutes { get; } = [];
    public SortedDictionary<(long Device, int Metric, DateTimeOffset Bucket), Bucket> Hours { get; } = [];
    public SortedDictionary<(long Device, int Metric), (DateTimeOffset At, TelemetryValue Value)> Latest { get; } = [];

    public void Add(long device, int metric, DateTimeOffset at, TelemetryValue value)
    {
        if (!Latest.TryGetValue((device, metric), out var latest) || latest.At < at)
        {
            Latest[(device, metric)] = (at, value);
        }

        if (value.Kind != TelemetryValueKind.Number)
        {
            return;
        }

        Get(Minutes, (device, metric, Floor(at, TimeSpan.TicksPerMinute))).Add(value.Number, at);
        Get(Hours, (device, metric, Floor(at, TimeSpan.TicksPerHour))).Add(value.Number, at);
    }

    /// <summary>The epoch-aligned bucket start, as PostgreSQL's date_bin(width, ts, 'epoch').</summary>
    public static DateTimeOffset Floor(DateTimeOffset at, long ticks) =>
        new(at.UtcTicks - (at.UtcTicks - DateTime.UnixEpoch.Ticks) % ticks, TimeSpan.Zero);

    private static Bucket Get(SortedDictionary<(long, int, DateTimeOffset), Bucket> buckets, (long, int, DateTimeOffset) key)
    {
        if (!buckets.TryGetValue(key, out var bucket))
        {
            buckets[key] = bucket = new Bucket();
        }

        return bucket;
    }
}
