using IotAspire.Core.Telemetry;
using IotAspire.DeviceWorker.Telemetry;

namespace IotAspire.UnitTests.Worker;

public sealed class RollupAggregatesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 10, 15, 42, 123, TimeSpan.Zero);

    [Fact]
    public void Floor_Minute_IsTheEpochAlignedBucketStart() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 15, 0, TimeSpan.Zero), RollupAggregates.Floor(At, TimeSpan.TicksPerMinute));

    [Fact]
    public void Floor_Hour_IsTheEpochAlignedBucketStart() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), RollupAggregates.Floor(At, TimeSpan.TicksPerHour));

    [Fact]
    public void Add_NumbersOfOneMinute_SumUpIntoOneBucket()
    {
        var aggregates = new RollupAggregates();
        aggregates.Add(1, 2, At, TelemetryValue.FromNumber(5));
        aggregates.Add(1, 2, At.AddSeconds(-30), TelemetryValue.FromNumber(-1));
        aggregates.Add(1, 2, At.AddSeconds(10), TelemetryValue.FromNumber(2.5));

        var minute = Assert.Single(aggregates.Minutes).Value;
        Assert.Equal((-1, 5, 6.5, 3), (minute.Min, minute.Max, minute.Sum, minute.Count));
        Assert.Equal(At.AddSeconds(-30), minute.First);
        Assert.Equal(At.AddSeconds(10), minute.Last);
        Assert.Equal(3, Assert.Single(aggregates.Hours).Value.Count);
    }

    [Fact]
    public void Add_TextAndBooleans_AreNotRolledUpButAreLatestValues()
    {
        var aggregates = new RollupAggregates();
        aggregates.Add(1, 3, At, TelemetryValue.FromText("open"));
        aggregates.Add(1, 3, At.AddSeconds(-5), TelemetryValue.FromText("closed"));
        aggregates.Add(1, 4, At, TelemetryValue.FromBoolean(true));

        Assert.Empty(aggregates.Minutes);
        Assert.Equal("open", aggregates.Latest[(1, 3)].Value.Text);
        Assert.True(aggregates.Latest[(1, 4)].Value.Boolean);
    }
}
