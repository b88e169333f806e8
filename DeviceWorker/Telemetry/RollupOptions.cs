using System.ComponentModel.DataAnnotations;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>The rollup job (<see cref="RollupJob"/>), section <c>Rollups</c>.</summary>
public sealed class RollupOptions
{
    public const string Section = "Rollups";

    /// <summary>How often the job looks for closed pending buckets. Queries are exact meanwhile: they read pending buckets from finer data.</summary>
    [Range(1, 3_600)]
    public int IntervalSeconds { get; set; } = 5;

    /// <summary>
    /// A bucket is computed once it ended this long ago. Points that arrive later still count (they mark it pending
    /// again), but each one costs the bucket's computation once more: leave time for devices that send a little late.
    /// </summary>
    [Range(0, 3_600)]
    public int GraceSeconds { get; set; } = 10;

    /// <summary>At most this many minutes (and as many hours) per run; a full run starts the next one at once.</summary>
    [Range(1, 100_000)]
    public int MaxBucketsPerRun { get; set; } = 120;
}
