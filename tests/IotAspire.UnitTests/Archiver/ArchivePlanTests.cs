using IotAspire.Archiver;

namespace IotAspire.UnitTests.Archiver;

public class ArchivePlanTests
{
    [Fact]
    public void ClosedBefore_GraceReachesBackOverMidnight_IsThePreviousDaysStart()
    {
        var now = new DateTimeOffset(2026, 12, 4, 0, 30, 0, TimeSpan.Zero);

        Assert.Equal(new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc), ArchivePlan.ClosedBefore(now, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void ClosedBefore_GraceOver_IsTodaysStart()
    {
        var now = new DateTimeOffset(2026, 12, 4, 1, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc), ArchivePlan.ClosedBefore(now, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void ClosedBefore_OffsetTime_UsesTheUtcDay()
    {
        var now = new DateTimeOffset(2026, 12, 4, 23, 30, 0, TimeSpan.FromHours(-5)); // 04:30 UTC on the 5th.

        Assert.Equal(new DateTime(2026, 12, 5, 0, 0, 0, DateTimeKind.Utc), ArchivePlan.ClosedBefore(now, TimeSpan.Zero));
    }

    [Fact]
    public void Lag_WatermarkAtTheNewestClosedDay_IsZero()
    {
        var closed = new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);

        Assert.Equal(TimeSpan.Zero, ArchivePlan.Lag(closed, closed, closed.AddDays(-10)));
    }

    [Fact]
    public void Lag_NoWatermarkYet_CountsFromTheOldestRawDay()
    {
        var closed = new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);

        Assert.Equal(TimeSpan.FromDays(10), ArchivePlan.Lag(closed, null, closed.AddDays(-10)));
        Assert.Equal(TimeSpan.FromDays(2), ArchivePlan.Lag(closed, closed.AddDays(-2), closed.AddDays(-10)));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 8)]
    [InlineData(20, 300)]
    public void Backoff_Failures_DoublesUpToTheMaximum(int failures, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ArchivePlan.Backoff(failures, TimeSpan.FromSeconds(300)));
    }
}
