using IotAspire.Api.Queries;
using IotAspire.Api.Apis;
using IotAspire.Api.Data;
using IotAspire.Core.Telemetry;

namespace IotAspire.UnitTests.Api;

public class RawPointPageTests
{
    private static readonly DateTime Start = new(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc);

    private static List<PointRow> Rows(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new PointRow(Start.AddSeconds(i), TelemetryValue.FromNumber(i)))];

    [Fact]
    public void Page_WithTheLookAheadRow_HidesIt()
    {
        // The store reads limit + 1 rows to know whether a next page exists; the extra row must not be answered.
        var page = new RawPointPage(Rows(4), count: 3);

        Assert.Equal(3, page.Count);
        Assert.Equal([0.0, 1.0, 2.0], page.Select(p => p.Value.Number));
        Assert.Equal(Start.AddSeconds(2), page[^1].T);
    }

    [Fact]
    public void Page_ShorterThanTheLimit_HoldsEveryRow()
    {
        var page = new RawPointPage(Rows(2), count: 10);

        Assert.Equal(2, page.Count);
        Assert.Equal([Start, Start.AddSeconds(1)], page.Select(p => p.T));
    }

    [Fact]
    public void Indexer_PastTheCount_Throws()
    {
        var page = new RawPointPage(Rows(4), count: 3);

        Assert.Throws<ArgumentOutOfRangeException>(() => page[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => page[-1]);
    }
}
