using IotAspire.Core.Telemetry.Maintenance;

namespace IotAspire.UnitTests.Worker;

public class RetentionPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 13, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RawCutoff_Disabled_IsNullEvenWithAWatermark()
    {
        var options = new RetentionOptions { RawEnabled = false, RequireArchive = false };

        Assert.Null(RetentionPlan.RawCutoff(options, Now, Now));
    }

    [Fact]
    public void RawCutoff_RequireArchiveWithoutWatermark_IsNull()
    {
        var options = new RetentionOptions { RawEnabled = true, RequireArchive = true, RawDays = 30 };

        Assert.Null(RetentionPlan.RawCutoff(options, Now, exportedUntil: null));
    }

    [Fact]
    public void RawCutoff_WatermarkOlderThanAge_IsTheWatermark()
    {
        var options = new RetentionOptions { RawEnabled = true, RequireArchive = true, RawDays = 30 };
        var watermark = Now.AddDays(-45);

        Assert.Equal(watermark, RetentionPlan.RawCutoff(options, Now, watermark));
    }

    [Fact]
    public void RawCutoff_WatermarkNewerThanAge_IsTheAge()
    {
        var options = new RetentionOptions { RawEnabled = true, RequireArchive = true, RawDays = 30 };

        Assert.Equal(Now.AddDays(-30), RetentionPlan.RawCutoff(options, Now, Now.AddDays(-1)));
    }

    [Fact]
    public void RawCutoff_ArchiveNotRequired_IsTheAge()
    {
        var options = new RetentionOptions { RawEnabled = true, RequireArchive = false, RawDays = 7 };

        Assert.Equal(Now.AddDays(-7), RetentionPlan.RawCutoff(options, Now, exportedUntil: null));
    }

    [Fact]
    public void RollupCutoff_Default_IsTwoYearsBack()
    {
        Assert.Equal(Now.AddDays(-730), RetentionPlan.RollupCutoff(new RetentionOptions(), Now));
    }

    [Fact]
    public void Due_PartitionEndingAtCutoff_IsDueAndOneEndingAfterIsNot()
    {
        var cutoff = new DateTimeOffset(2026, 10, 27, 0, 0, 0, TimeSpan.Zero);
        PartitionRange[] partitions =
        [
            Day("telemetry_p20261027", cutoff.AddDays(1)),
            Day("telemetry_p20261026", cutoff),
            Day("telemetry_p20261025", cutoff.AddDays(-1)),
        ];

        var due = RetentionPlan.Due(partitions, cutoff);

        Assert.Equal(["telemetry_p20261025", "telemetry_p20261026"], due.Select(p => p.Name));
    }

    [Fact]
    public void Due_PartlyExpiredPartition_IsNotDue()
    {
        // A day that ends one hour after the cutoff still holds 23 expired hours, and one that is not: keep it whole.
        var cutoff = new DateTimeOffset(2026, 10, 26, 23, 0, 0, TimeSpan.Zero);

        Assert.Empty(RetentionPlan.Due([Day("telemetry_p20261026", cutoff.AddHours(1))], cutoff));
    }

    [Fact]
    public void Due_NoCutoff_IsEmpty()
    {
        Assert.Empty(RetentionPlan.Due([Day("telemetry_p20000101", new DateTimeOffset(2000, 1, 2, 0, 0, 0, TimeSpan.Zero))], cutoff: null));
    }

    [Fact]
    public void ToPrecreate_AcrossMonthEnd_CoversEveryDayAndBothMonths()
    {
        var now = new DateTimeOffset(2026, 11, 29, 23, 30, 0, TimeSpan.Zero);

        var plan = RetentionPlan.ToPrecreate(new RetentionOptions { PrecreateDays = 3 }, now);

        Assert.Equal(
            [Utc(2026, 11, 29), Utc(2026, 11, 30), Utc(2026, 12, 1), Utc(2026, 12, 2)],
            plan.Where(p => p.Table == TelemetryTables.Raw).Select(p => p.LowerBound));
        foreach (var rollup in new[] { TelemetryTables.Minute, TelemetryTables.Hour })
        {
            Assert.Equal([Utc(2026, 11, 1), Utc(2026, 12, 1)], plan.Where(p => p.Table == rollup).Select(p => p.LowerBound));
        }
    }

    [Fact]
    public void ToPrecreate_NowWithOffset_UsesTheUtcDay()
    {
        // 00:30 in UTC+2 is still the previous day in UTC.
        var now = new DateTimeOffset(2026, 11, 27, 0, 30, 0, TimeSpan.FromHours(2));

        var plan = RetentionPlan.ToPrecreate(new RetentionOptions { PrecreateDays = 0 }, now);

        Assert.Equal([Utc(2026, 11, 26)], plan.Where(p => p.Table == TelemetryTables.Raw).Select(p => p.LowerBound));
    }

    private static PartitionRange Day(string name, DateTimeOffset end) => new("telemetry", name, end);

    private static DateTime Utc(int year, int month, int day) => new(year, month, day, 0, 0, 0, DateTimeKind.Utc);
}
