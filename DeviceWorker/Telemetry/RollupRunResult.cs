namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>Buckets computed, rollup rows written, and whether the run stopped at its bucket limit (more are due).</summary>
public sealed record RollupCount(int Buckets, long Rows, bool LimitReached);

public sealed record RollupFailure(RollupWidth Width, DateTimeOffset Bucket, Exception Exception);

/// <summary>What one rollup run did; <see cref="LockTaken"/> is false when another replica was running.</summary>
public sealed record RollupRunResult(bool LockTaken, RollupCount Minutes, RollupCount Hours, IReadOnlyList<RollupFailure> Failures)
{
    public static RollupRunResult Skipped { get; } = new(false, new(0, 0, false), new(0, 0, false), []);

    public bool MoreDue => Minutes.LimitReached || Hours.LimitReached;
}
