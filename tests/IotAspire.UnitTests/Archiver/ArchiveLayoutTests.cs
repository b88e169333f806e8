using IotAspire.Core.Archive;

namespace IotAspire.UnitTests.Archiver;

public class ArchiveLayoutTests
{
    [Fact]
    public void PartPath_DayAndNumber_IsHiveStyleWithFiveDigits()
    {
        Assert.Equal("telemetry/date=2026-03-07/part-00012.parquet", ArchiveLayout.PartPath(new DateOnly(2026, 3, 7), 12));
    }

    [Fact]
    public void TryParsePartPath_PathItMade_GivesDayAndNumberBack()
    {
        Assert.True(ArchiveLayout.TryParsePartPath("telemetry/date=2026-03-07/part-00012.parquet", out var day, out var part));

        Assert.Equal((new DateOnly(2026, 3, 7), 12), (day, part));
    }

    [Theory]
    [InlineData("telemetry/date=2026-03-07/part-00012.parquet.tmp")]
    [InlineData("telemetry/date=2026-13-07/part-00012.parquet")]
    [InlineData("telemetry/date=2026-03-07/part-12.parquet")]
    [InlineData("other/date=2026-03-07/part-00012.parquet")]
    public void TryParsePartPath_StagingOrForeignName_IsFalse(string path)
    {
        Assert.False(ArchiveLayout.TryParsePartPath(path, out _, out _));
    }
}
