using System.ComponentModel.DataAnnotations;
using IotAspire.Core.Telemetry;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>Telemetry ingest limits and batching, section <c>Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Larger payloads go to the dead-letter table unparsed.</summary>
    [Range(1, 256 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// A batch is written once it holds this many points (messages are never split). Large, because under load a
    /// batch then holds several messages of each device, which fold into one rollup and latest-value row each:
    /// 2,000 gave 23,700 points/s in the ingest benchmark, 20,000 gave 31,000-38,500 (bench/README.md).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxBatchPoints { get; set; } = 20_000;

    /// <summary>Messages waiting for the writer; when full, handlers wait (back-pressure to the broker).</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long a device's registration is cached; a revoked device is noticed after at most this.</summary>
    [Range(0, 86_400)]
    public int DeviceCacheSeconds { get; set; } = 60;

    /// <summary>
    /// How long a partition is remembered as existing. Retention may drop old partitions; a write that finds one
    /// missing also forgets them at once, so this only bounds how long a stale entry can cost a retry.
    /// </summary>
    [Range(1, 86_400)]
    public int PartitionCacheSeconds { get; set; } = 600;

    [Range(1, 300)]
    public int MaxRetryDelaySeconds { get; set; } = 10;

    /// <summary>
    /// Points older than this many days (before the receive time) are dead-lettered; 0 accepts anything after
    /// 2000-01-01. Two years by default: backfill after a long outage still counts, a reset clock does not.
    /// </summary>
    [Range(0, 36_500)]
    public int MaxPastDays { get; set; } = (int)TelemetryLimits.DefaultMaxAge.TotalDays;

    /// <summary>Points more than this many minutes ahead of the receive time are dead-lettered (device clocks drift).</summary>
    [Range(0, 7 * 24 * 60)]
    public int MaxFutureMinutes { get; set; } = (int)TelemetryLimits.DefaultMaxFutureSkew.TotalMinutes;

    public TelemetryWindow Window => new(TimeSpan.FromDays(MaxPastDays), TimeSpan.FromMinutes(MaxFutureMinutes));
}
