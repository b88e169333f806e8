using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace IotAspire.DeviceWorker.RateLimiting;

/// <summary>
/// A token bucket per device id, so that a device flooding messages cannot starve the others: its messages beyond
/// the limit are dropped before anything parses them. Drops are reported at most once per device per
/// <see cref="ReportInterval"/>. Buckets of quiet devices are evicted, so memory follows the active devices only.
/// </summary>
public sealed class DeviceRateLimiter
{
    public static readonly TimeSpan ReportInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxIdle = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly double _ratePerTick;
    private readonly double _burst;
    private readonly long _refillTicks; // Timestamp ticks an empty bucket needs to become full.
    private long _nextSweep;

    public DeviceRateLimiter(IOptions<DeviceRateLimitOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        _time = time;
        Enabled = settings.Enabled;
        Limit = settings;
        _burst = settings.Burst;
        _ratePerTick = settings.MessagesPerSecond / time.TimestampFrequency;
        _refillTicks = Enabled ? (long)Math.Ceiling(_burst / _ratePerTick) : 0;
        _nextSweep = time.GetTimestamp() + ToTicks(SweepInterval);
    }

    public bool Enabled { get; }

    public DeviceRateLimitOptions Limit { get; }

    /// <summary>Devices with a bucket now (for tests and diagnostics).</summary>
    public int TrackedDevices => _buckets.Count;

    /// <summary>Takes one token of <paramref name="deviceId"/>'s bucket.</summary>
    /// <param name="droppedSinceReport">On <see cref="RateLimitDecision.DroppedAndReport"/>: messages dropped since the previous report, this one included.</param>
    public RateLimitDecision TryAcquire(string deviceId, out long droppedSinceReport)
    {
        droppedSinceReport = 0;
        if (!Enabled)
        {
            return RateLimitDecision.Allowed;
        }

        var now = _time.GetTimestamp();
        SweepIfDue(now);
        var bucket = _buckets.GetOrAdd(deviceId, static (_, state) => new Bucket(state.Burst, state.Now), (Burst: _burst, Now: now));
        lock (bucket)
        {
            bucket.Refill(now, _ratePerTick, _burst);
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return RateLimitDecision.Allowed;
            }

            bucket.DroppedSinceReport++;
            if (bucket.LastReport != 0 && now - bucket.LastReport < ToTicks(ReportInterval))
            {
                return RateLimitDecision.Dropped;
            }

            bucket.LastReport = now;
            droppedSinceReport = bucket.DroppedSinceReport;
            bucket.DroppedSinceReport = 0;
            return RateLimitDecision.DroppedAndReport;
        }
    }

    /// <summary>
    /// Removes buckets that have refilled completely and have nothing left to report: such a bucket is the same as a
    /// new one, so evicting it changes no decision. A bucket with unreported drops is kept for its next report, but
    /// not beyond <see cref="MaxIdle"/>, so that memory stays bounded (the metric still has those drops).
    /// </summary>
    private void SweepIfDue(long now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + ToTicks(SweepInterval), due) != due)
        {
            return;
        }

        foreach (var (deviceId, bucket) in _buckets)
        {
            lock (bucket)
            {
                var idleFor = now - bucket.LastRefill;
                var nothingToReport = bucket.DroppedSinceReport == 0
                    && (bucket.LastReport == 0 || now - bucket.LastReport >= ToTicks(ReportInterval));
                if ((idleFor >= _refillTicks && nothingToReport) || idleFor >= ToTicks(MaxIdle))
                {
                    _buckets.TryRemove(KeyValuePair.Create(deviceId, bucket));
                }
            }
        }
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private sealed class Bucket(double tokens, long now)
    {
        public double Tokens { get; set; } = tokens;

        public long LastRefill { get; private set; } = now;

        /// <summary>Timestamp of the last report; 0 before the first.</summary>
        public long LastReport { get; set; }

        public long DroppedSinceReport { get; set; }

        public void Refill(long now, double ratePerTick, double burst)
        {
            if (now > LastRefill)
            {
                Tokens = Math.Min(burst, Tokens + (now - LastRefill) * ratePerTick);
                LastRefill = now;
            }
        }
    }
}
