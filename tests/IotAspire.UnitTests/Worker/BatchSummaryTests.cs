using IotAspire.Core.Telemetry;
using IotAspire.DeviceWorker.Telemetry;

namespace IotAspire.UnitTests.Worker;

public sealed class BatchSummaryTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 10, 15, 42, 123, TimeSpan.Zero);

    [Fact]
    public void Floor_Minute_IsTheEpochAlignedBucketStart() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 15, 0, TimeSpan.Zero), RollupWidth.Minute.Floor(At));

    [Fact]
    public void Floor_Hour_IsTheEpochAlignedBucketStart() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), RollupWidth.Hour.Floor(At));

    [Fact]
    public void Floor_BeforeTheEpoch_StillRoundsDown() =>
        Assert.Equal(new DateTimeOffset(1969, 12, 31, 23, 59, 0, TimeSpan.Zero),
            RollupWidth.Minute.Floor(new DateTimeOffset(1969, 12, 31, 23, 59, 30, TimeSpan.Zero)));

    [Fact]
    public void Add_NumbersAcrossAMinuteAndHourBoundary_MarksEachBucketOnce()
    {
        var summary = new BatchSummary();
        summary.Add(1, 2, At, TelemetryValue.FromNumber(5));
        summary.Add(2, 2, At.AddSeconds(-30), TelemetryValue.FromNumber(-1));
        summary.Add(1, 3, new DateTimeOffset(2026, 11, 26, 9, 59, 59, TimeSpan.Zero), TelemetryValue.FromNumber(2.5));

        Assert.Equal(
            [new DateTimeOffset(2026, 11, 26, 9, 59, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 26, 10, 15, 0, TimeSpan.Zero)],
            summary.Minutes);
        Assert.Equal(
            [new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero)],
            summary.Hours);
    }

    [Fact]
    public void Add_SameSeriesTwice_KeepsTheNewestAsLatestWhateverTheOrder()
    {
        var summary = new BatchSummary();
        summary.Add(1, 2, At, TelemetryValue.FromNumber(5));
        summary.Add(1, 2, At.AddSeconds(-30), TelemetryValue.FromNumber(-1));

        var latest = Assert.Single(summary.Latest);
        Assert.Equal((At, 5.0), (latest.Value.At, latest.Value.Value.Number));
    }

    [Fact]
    public void Add_TextAndBooleans_MarkTheirMinuteForLatestValuesButNoHour()
    {
        var summary = new BatchSummary();
        summary.Add(1, 3, At, TelemetryValue.FromText("open"));
        summary.Add(1, 3, At.AddSeconds(-5), TelemetryValue.FromText("closed"));
        summary.Add(1, 4, At, TelemetryValue.FromBoolean(true));

        Assert.Equal([new DateTimeOffset(2026, 11, 26, 10, 15, 0, TimeSpan.Zero)], summary.Minutes);
        Assert.Empty(summary.Hours);
        Assert.Equal("open", summary.Latest[(1, 3)].Value.Text);
        Assert.True(summary.Latest[(1, 4)].Value.Boolean);
    }
}
