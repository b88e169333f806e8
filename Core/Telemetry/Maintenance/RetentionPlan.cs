namespace IotAspire.Core.Telemetry.Maintenance;

/// <summary>A partition as the catalog describes it: its name and the exclusive end of its range.</summary>
public sealed record PartitionRange(string Table, string Name, DateTimeOffset RangeEnd);

/// <summary>The pure rules of maintenance: which partitions to create ahead and which are due for dropping.</summary>
public static class RetentionPlan
{
    /// <summary>
    /// Raw partitions whose range ends at or before this may be dropped; null = drop none. With
    /// <see cref="RetentionOptions.RequireArchive"/>, never past what the Archiver exported (no watermark: nothing).
    /// </summary>
    public static DateTimeOffset? RawCutoff(RetentionOptions options, DateTimeOffset now, DateTimeOffset? exportedUntil)
    {
        if (!options.RawEnabled)
        {
            return null;
        }

        var byAge = now.AddDays(-options.RawDays);
        if (!options.RequireArchive)
        {
            return byAge;
        }

        return exportedUntil is { } watermark ? (watermark < byAge ? watermark : byAge) : null;
    }

    /// <summary>Rollup partitions whose range ends at or before this may be dropped.</summary>
    public static DateTimeOffset RollupCutoff(RetentionOptions options, DateTimeOffset now) => now.AddDays(-options.RollupDays);

    /// <summary>Those of <paramref name="partitions"/> whose whole range ends at or before <paramref name="cutoff"/>, oldest first.</summary>
    public static IReadOnlyList<PartitionRange> Due(IEnumerable<PartitionRange> partitions, DateTimeOffset? cutoff) =>
        cutoff is { } end
            ? [.. partitions.Where(p => p.RangeEnd <= end).OrderBy(p => p.RangeEnd)]
            : [];

    /// <summary>The partitions to have ready: days today .. today + precreateDays, and the months those days fall in.</summary>
    public static IReadOnlyList<(PartitionedTable Table, DateTime LowerBound)> ToPrecreate(RetentionOptions options, DateTimeOffset now)
    {
        var days = Enumerable.Range(0, options.PrecreateDays + 1).Select(offset => now.AddDays(offset)).ToList();
        return [.. TelemetryTables.All.SelectMany(table => days.Select(table.LowerBound).Distinct().Select(bound => (table, bound)))];
    }
}
