using System.Globalization;
using System.Net;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Queries;

/// <summary>
/// Downsampled and multi-metric telemetry queries against real data: points published with mosquitto_pub,
/// with explicit timestamps in the past, late and redelivered, compared with what the points themselves give.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TelemetryQueryTests(StackFixture stack)
{
    private static string Iso(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("1m", 1)]
    [InlineData("1h", 60)]
    [InlineData("1d", 1440)]
    public async Task Buckets_OverDaysOfLateAndRedeliveredPoints_EqualMinMaxAvgCountOfTheRawPoints(string interval, int minutes)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "buckets" + interval);
        var day0 = SentTelemetry.DaysAgo(5);
        // Three days: "temp" every ~5 minutes, "hum" every ~20, with jitter so buckets hold different counts.
        // Values are multiples of 1/4: sums are exact, whatever the order of addition.
        var temp = Enumerable.Range(0, 864).Select(i => new SentPoint("temp", day0.AddMinutes(5 * i).AddSeconds(i * 17 % 60), ((i * 37 % 101) * 0.5) - 10)).ToList();
        var hum = Enumerable.Range(0, 216).Select(i => new SentPoint("hum", day0.AddMinutes(20 * i).AddSeconds(i * 7 % 60), 40 + ((i * 13 % 29) * 0.25))).ToList();
        var all = temp.Concat(hum).ToList();
        var messages = all.Chunk(100).ToList();
        // Newest first (every message is late after the first), then the first again, as a broker redelivers it.
        await SentTelemetry.PublishAsync(stack, device, Enumerable.Reverse(messages).Append(messages[^1]));
        await SentTelemetry.WaitForStoredAsync(stack, device, all.Count);

        var query = $"metric=temp&metric=hum&interval={interval}&from={Iso(day0)}&to={Iso(day0.AddDays(3))}";

        // At once, while the rollup job may still be computing these buckets (pending ones are read from finer data) ...
        await AssertAnswerAsync();

        // ... and once it has stored them all.
        await Eventually.ReturnsAsync(() => Database.CountPendingBucketsAsync(stack, day0, day0.AddDays(3)), c => c == 0,
            TimeSpan.FromSeconds(60), "the rollup job done with these days");
        await AssertAnswerAsync();

        async Task AssertAnswerAsync()
        {
            var answer = await TelemetryAnswer.GetAsync(stack, device.Id, query);
            Assert.Equal(interval, answer.Resolution);
            AssertBucketsEqual(SentTelemetry.Buckets(temp, TimeSpan.FromMinutes(minutes)), answer.Buckets("temp"));
            AssertBucketsEqual(SentTelemetry.Buckets(hum, TimeSpan.FromMinutes(minutes)), answer.Buckets("hum"));
        }
    }

    [Fact]
    public async Task NoInterval_LongRangeOfADenseSeries_AnswersBucketsOfTheFinestFittingInterval()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "auto");
        var day0 = SentTelemetry.DaysAgo(4);
        var dense = Enumerable.Range(0, 2500).Select(i => new SentPoint("dense", day0.AddMinutes(i).AddSeconds(i % 50), i % 17)).ToList();
        var sparse = Enumerable.Range(0, 50).Select(i => new SentPoint("sparse", day0.AddHours(i), i)).ToList();
        await SentTelemetry.PublishAsync(stack, device, dense.Concat(sparse).Chunk(500));
        await SentTelemetry.WaitForStoredAsync(stack, device, dense.Count + sparse.Count);
        var to = day0.AddDays(3);

        // 2,500 points in 3 days: more than ~2,000, so buckets; 1m would be 4,320 buckets, 5m is 864.
        var threeDays = await TelemetryAnswer.GetAsync(stack, device.Id, $"metric=dense&from={Iso(day0)}&to={Iso(to)}");
        Assert.Equal("5m", threeDays.Resolution);
        AssertBucketsEqual(SentTelemetry.Buckets(dense, TimeSpan.FromMinutes(5)), threeDays.Buckets("dense"));

        // 60 days: 15m would be 5,760 buckets, 1h is 1,440.
        var sixtyDays = await TelemetryAnswer.GetAsync(stack, device.Id, $"metric=dense&from={Iso(to.AddDays(-60))}&to={Iso(to)}");
        Assert.Equal("1h", sixtyDays.Resolution);
        Assert.Equal(dense.Count, sixtyDays.Buckets("dense").Sum(b => b.Count));

        // A series with few points stays raw over the same long range.
        var fewPoints = await TelemetryAnswer.GetAsync(stack, device.Id, $"metric=sparse&from={Iso(to.AddDays(-60))}&to={Iso(to)}");
        Assert.Equal("raw", fewPoints.Resolution);
        Assert.Equal(sparse.Select(p => p.T), fewPoints.Points("sparse").Select(p => p.T));

        // The fullest series decides for all of them.
        var both = await TelemetryAnswer.GetAsync(stack, device.Id, $"metric=sparse&metric=dense&from={Iso(day0)}&to={Iso(to)}");
        Assert.Equal("5m", both.Resolution);
        Assert.Equal(sparse.Count, both.Buckets("sparse").Sum(b => b.Count));
    }

    [Fact]
    public async Task TwoMetricsInOneCall_ReturnEachSeriesInTheOrderAsked()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "twometrics");
        var day0 = SentTelemetry.DaysAgo(3).AddHours(6);
        // A name that looks like SQL is just a name.
        const string odd = "x'); DROP TABLE telemetry; --";
        var a = Enumerable.Range(0, 12).Select(i => new SentPoint("a", day0.AddMinutes(10 * i), i)).ToList();
        var b = Enumerable.Range(0, 6).Select(i => new SentPoint(odd, day0.AddMinutes(25 * i), 100 + i)).ToList();
        await SentTelemetry.PublishAsync(stack, device, [a.Concat(b)]);
        await SentTelemetry.WaitForStoredAsync(stack, device, a.Count + b.Count);
        var range = $"from={Iso(day0)}&to={Iso(day0.AddHours(3))}";
        var metrics = $"metric={Uri.EscapeDataString(odd)}&metric=a&metric=never-sent";

        var raw = await TelemetryAnswer.GetAsync(stack, device.Id, $"{metrics}&{range}");
        Assert.Equal("raw", raw.Resolution);
        Assert.Equal([odd, "a", "never-sent"], raw.Metrics);
        Assert.Equal(a.Select(p => (p.T, p.Value.ToString(CultureInfo.InvariantCulture))), raw.Points("a"));
        Assert.Equal(b.Select(p => (p.T, p.Value.ToString(CultureInfo.InvariantCulture))), raw.Points(odd));
        Assert.Empty(raw.Points("never-sent"));

        var hourly = await TelemetryAnswer.GetAsync(stack, device.Id, $"{metrics}&{range}&interval=1h");
        Assert.Equal("1h", hourly.Resolution);
        Assert.Equal([odd, "a", "never-sent"], hourly.Metrics);
        AssertBucketsEqual(SentTelemetry.Buckets(a, TimeSpan.FromHours(1)), hourly.Buckets("a"));
        AssertBucketsEqual(SentTelemetry.Buckets(b, TimeSpan.FromHours(1)), hourly.Buckets(odd));
        Assert.Empty(hourly.Buckets("never-sent"));
        Assert.Equal(18, await Database.CountTelemetryAsync(stack, device.Id));
    }

    [Theory]
    [InlineData("metric=t&from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z", "Invalid time range", "must be later than 'from'")]
    [InlineData("metric=t&interval=2m", "Invalid interval", "1m, 5m, 15m, 1h, 6h, 1d")]
    [InlineData("metric=t&interval=1m&from=2026-08-01T00:00:00Z&to=2026-10-30T00:00:00Z", "Too many buckets", "1m over 90 days is 129,600 buckets; the limit is 10,000")]
    [InlineData("metric=t&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "Invalid time range", "3 years")]
    [InlineData("metric=a&metric=b&metric=c&metric=d&metric=e&metric=f&metric=g&metric=h&metric=i&metric=j&metric=k", "Invalid metric", "1-10 metrics")]
    [InlineData("metric=a&metric=b&after=2026-11-26T00:00:00Z", "Invalid cursor", "one metric")]
    [InlineData("metric=t&interval=raw&limit=10001", "Invalid limit", "10000")]
    public async Task BadQuery_Returns400WithAClearMessage(string query, string title, string detailContains)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "limits");

        using var response = await stack.Api.GetAsync($"/api/devices/{device.Id}/telemetry?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
        Assert.Contains(detailContains, problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task UnknownDevice_WithAnInterval_Returns404()
    {
        using var response = await stack.Api.GetAsync($"/api/devices/{DeviceCredentials.NewId("nobody")}/telemetry?metric=t&interval=1h");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static void AssertBucketsEqual(IReadOnlyList<Bucket> expected, IReadOnlyList<Bucket> actual)
    {
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(b => (b.T, b.Count, b.Min, b.Max)), actual.Select(b => (b.T, b.Count, b.Min, b.Max)));
        Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First.Avg, pair.Second.Avg, 9));
    }
}
