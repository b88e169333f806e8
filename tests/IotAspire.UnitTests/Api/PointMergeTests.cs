using IotAspire.Api.Data;
using IotAspire.Core.Telemetry;

namespace IotAspire.UnitTests.Api;

public class PointMergeTests
{
    [Fact]
    public void Merge_NothingArchived_ReturnsTheStoredPage()
    {
        var stored = Points(1, 2);

        Assert.Same(stored, PointMerge.Merge(stored, [], 10));
    }

    [Fact]
    public void Merge_InterleavedPages_OrderedByTimeAndCutAtTake()
    {
        Assert.Equal(Times(1, 2, 3, 4), PointMerge.Merge(Points(2, 4, 6), Points(1, 3, 5), 4).Select(p => p.Timestamp));
    }

    [Fact]
    public void Merge_TimeInBoth_KeptOnceFromTheDatabase()
    {
        var stored = new List<PointRow> { new(At(2), TelemetryValue.FromText("db")) };
        var archived = new List<PointRow> { new(At(1), TelemetryValue.FromText("a")), new(At(2), TelemetryValue.FromText("archive")) };

        var merged = PointMerge.Merge(stored, archived, 10);

        Assert.Equal(Times(1, 2), merged.Select(p => p.Timestamp));
        Assert.Equal("db", merged[1].Value.Text);
    }

    private static List<PointRow> Points(params int[] seconds) => [.. seconds.Select(s => new PointRow(At(s), TelemetryValue.FromNumber(s)))];

    private static IEnumerable<DateTime> Times(params int[] seconds) => seconds.Select(At);

    private static DateTime At(int second) => new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(second);
}
