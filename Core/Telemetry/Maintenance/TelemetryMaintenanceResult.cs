namespace IotAspire.Core.Telemetry.Maintenance;

/// <summary>What one maintenance run did.</summary>
/// <param name="LockTaken">False when another replica was running it: this run did nothing.</param>
/// <param name="Created">Partitions created ahead of time.</param>
/// <param name="Dropped">Partitions dropped by retention.</param>
/// <param name="Deferred">Partitions left for the next run because their table stayed locked longer than the lock timeout.</param>
/// <param name="NotArchived">Raw partitions due by age and watermark but holding rows no verified archive part covers (late data): kept.</param>
/// <param name="RawCutoff">Raw partitions ending at or before this were due; null when raw retention could not drop anything.</param>
/// <param name="RollupCutoff">Rollup partitions ending at or before this were due.</param>
public sealed record TelemetryMaintenanceResult(
    bool LockTaken,
    IReadOnlyList<string> Created,
    IReadOnlyList<PartitionRange> Dropped,
    IReadOnlyList<string> Deferred,
    IReadOnlyList<string> NotArchived,
    DateTimeOffset? RawCutoff,
    DateTimeOffset? RollupCutoff)
{
    public static TelemetryMaintenanceResult Skipped { get; } = new(false, [], [], [], [], null, null);
}
