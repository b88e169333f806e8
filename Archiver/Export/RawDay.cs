namespace IotAspire.Archiver.Export;

/// <summary>A raw telemetry partition of one closed UTC day.</summary>
public sealed record RawDay(DateOnly Day, string Partition)
{
    public DateTime Start => Day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
    public DateTime End => Start.AddDays(1);
}

/// <summary>The partition in one snapshot: how many rows it holds and their time range (Micros are null when empty).</summary>
public sealed record DaySnapshotStats(long Rows, long? MinMicros, long? MaxMicros);

/// <summary>How much of a day the manifest covers: the rows of its raw partition held by parts, and the next part number.</summary>
public sealed record DayCoverage(long CoveredRows, int NextPart)
{
    public static DayCoverage None { get; } = new(0, 0);
}
