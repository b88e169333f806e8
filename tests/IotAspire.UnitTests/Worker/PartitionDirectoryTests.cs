using IotAspire.Core.Telemetry.Maintenance;
using IotAspire.DeviceWorker.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.UnitTests.Worker;

public class PartitionDirectoryTests
{
    [Fact]
    public void Missing_PointsOverTwoDaysOfTwoMonths_OneEntryPerDayAndMonthInTableOrder()
    {
        var directory = new PartitionDirectory(Options.Create(new TelemetryOptions()), new ManualTime());
        DateTimeOffset[] timestamps =
        [
            new(2026, 12, 1, 0, 0, 1, TimeSpan.Zero),
            new(2026, 11, 30, 23, 59, 59, TimeSpan.Zero),
            new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero),
        ];

        var missing = directory.Missing(timestamps);

        Assert.Equal(
            [
                ("telemetry", Utc(2026, 11, 30)), ("telemetry", Utc(2026, 12, 1)),
                ("telemetry_1m", Utc(2026, 11, 1)), ("telemetry_1m", Utc(2026, 12, 1)),
                ("telemetry_1h", Utc(2026, 11, 1)), ("telemetry_1h", Utc(2026, 12, 1)),
            ],
            missing.Select(m => (m.Table.Name, m.LowerBound)));
    }

    [Fact]
    public void Missing_Remembered_IsEmptyUntilTheEntriesExpire()
    {
        var time = new ManualTime();
        var directory = new PartitionDirectory(Options.Create(new TelemetryOptions { PartitionCacheSeconds = 600 }), time);
        DateTimeOffset[] timestamps = [new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero)];
        directory.Remember(directory.Missing(timestamps));

        Assert.Empty(directory.Missing(timestamps));
        time.Now = time.Now.AddSeconds(601);
        Assert.Equal(3, directory.Missing(timestamps).Count);
    }

    [Fact]
    public void Missing_AfterForget_AreAllMissingAgain()
    {
        var directory = new PartitionDirectory(Options.Create(new TelemetryOptions()), new ManualTime());
        DateTimeOffset[] timestamps = [new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero)];
        directory.Remember(directory.Missing(timestamps));

        directory.Forget();

        Assert.Equal(4, directory.Missing(timestamps).Count);
    }

    [Fact]
    public void IsMissingPartition_NoPartitionError_IsRecognized()
    {
        var error = new PostgresException(
            "no partition of relation \"telemetry\" found for row", "ERROR", "ERROR", PostgresErrorCodes.CheckViolation);

        Assert.True(PartitionDirectory.IsMissingPartition(error));
        Assert.False(PartitionDirectory.IsMissingPartition(
            new PostgresException("new row violates check constraint \"telemetry_check\"", "ERROR", "ERROR", PostgresErrorCodes.CheckViolation)));
    }

    private static DateTime Utc(int year, int month, int day) => new(year, month, day, 0, 0, 0, DateTimeKind.Utc);

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
