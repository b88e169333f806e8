using IotAspire.Core.Telemetry;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>The two rollup widths and their length.</summary>
public sealed record RollupWidth(string Name, TimeSpan Length)
{
    public static readonly RollupWidth Minute = new("1m", TimeSpan.FromMinutes(1));
    public static readonly RollupWidth Hour = new("1h", TimeSpan.FromHours(1));

    /// <summary>The epoch-aligned start of the bucket holding <paramref name="at"/>, as PostgreSQL's date_bin(width, ts, 'epoch').</summary>
    public DateTimeOffset Floor(DateTimeOffset at) => new(TimeBuckets.StartTicks(at.UtcTicks, Length), TimeSpan.Zero);
}
