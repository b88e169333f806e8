namespace IotAspire.Core.Telemetry.Maintenance;

/// <summary>How a partitioned telemetry table is split: <c>day</c> or <c>month</c> ranges (UTC), as iot_ensure_partition expects.</summary>
public sealed record PartitionedTable(string Name, string Unit, bool IsRaw)
{
    /// <summary>Start (UTC) of the partition that holds <paramref name="at"/>.</summary>
    public DateTime LowerBound(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return Unit == TelemetryTables.Day
            ? new DateTime(utc.Year, utc.Month, utc.Day, 0, 0, 0, DateTimeKind.Utc)
            : new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc);
    }
}

/// <summary>The partitioned tables of the time-series schema (0002_time_series.sql).</summary>
public static class TelemetryTables
{
    public const string Day = "day";
    public const string Month = "month";

    public static readonly PartitionedTable Raw = new("telemetry", Day, IsRaw: true);
    public static readonly PartitionedTable Minute = new("telemetry_1m", Month, IsRaw: false);
    public static readonly PartitionedTable Hour = new("telemetry_1h", Month, IsRaw: false);

    /// <summary>In the order writers touch them, so partition creation locks in one order everywhere.</summary>
    public static readonly IReadOnlyList<PartitionedTable> All = [Raw, Minute, Hour];
}
