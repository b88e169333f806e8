using IotAspire.Api.Queries;
using IotAspire.Api.Apis;
using IotAspire.Api.Model;

namespace IotAspire.UnitTests.Api;

public class TelemetryQueryTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static (bool Valid, TelemetryQuery Query, QueryError Error) Create(
        string?[]? metrics = null, DateTimeOffset? from = null, DateTimeOffset? to = null, string? interval = null,
        int? limit = null, string? after = null)
    {
        var valid = TelemetryQuery.TryCreate(metrics ?? ["temperature"], from, to, interval, limit, after, Noon, out var query, out var error);
        return (valid, query, error);
    }

    [Fact]
    public void TryCreate_Defaults_LastDayRawAutomaticWithDefaultLimit()
    {
        var (valid, query, _) = Create();

        Assert.True(valid);
        Assert.Equal(["temperature"], query.Metrics);
        Assert.Equal(new TimeRange(Noon.UtcDateTime.AddDays(-1), Noon.UtcDateTime), query.Range);
        Assert.Null(query.Interval);
        Assert.Equal(TelemetryRules.DefaultLimit, query.Limit);
        Assert.Null(query.After);
    }

    [Fact]
    public void TryCreate_SeveralMetrics_KeepsTheirOrderWithoutDuplicates()
    {
        var (valid, query, _) = Create(["b", "a", "b", "'; DROP TABLE telemetry; --"]);

        Assert.True(valid);
        Assert.Equal(["b", "a", "'; DROP TABLE telemetry; --"], query.Metrics);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TelemetryRules.MaxMetricsPerRequest + 1)]
    public void TryCreate_NoneOrTooManyMetrics_FailsWithTheRule(int count)
    {
        var (valid, _, error) = Create(Enumerable.Range(0, count).Select(i => (string?)$"m{i}").ToArray());

        Assert.False(valid);
        Assert.Equal("Invalid metric", error.Title);
        Assert.Contains("1-10 metrics", error.Detail);
    }

    [Fact]
    public void TryCreate_MetricNameWithSql_PassesAsAnOrdinaryName()
    {
        Assert.True(Create(["x'); DROP TABLE telemetry;--"]).Valid);
    }

    [Fact]
    public void TryCreate_TenMetrics_Passes()
    {
        Assert.True(Create(Enumerable.Range(0, TelemetryRules.MaxMetricsPerRequest).Select(i => (string?)$"m{i}").ToArray()).Valid);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("129")]
    [InlineData("a\nb")]
    [InlineData("nul\0")]
    public void TryCreate_EmptyOrTooLongMetric_Fails(string? metric)
    {
        var name = metric == "129" ? new string('m', 129) : metric;

        var (valid, _, error) = Create(["ok", name]);

        Assert.False(valid);
        Assert.Equal("Invalid metric", error.Title);
    }

    [Fact]
    public void TryCreate_ToBeforeFrom_FailsWithInvalidTimeRange()
    {
        var (valid, _, error) = Create(from: Noon, to: Noon.AddHours(-1));

        Assert.False(valid);
        Assert.Equal("Invalid time range", error.Title);
        Assert.Contains("must be later than 'from'", error.Detail);
    }

    [Fact]
    public void TryCreate_RangeLongerThanThreeYears_FailsNamingTheLimit()
    {
        var (valid, _, error) = Create(from: Noon.AddDays(-1097), to: Noon);

        Assert.False(valid);
        Assert.Equal("Invalid time range", error.Title);
        Assert.Contains("1,096 days", error.Detail);
    }

    [Fact]
    public void TryCreate_UnknownInterval_FailsNamingTheAllowedValues()
    {
        var (valid, _, error) = Create(interval: "2m");

        Assert.False(valid);
        Assert.Equal("Invalid interval", error.Title);
        Assert.Contains("raw, 1m, 5m, 15m, 1h, 6h, 1d", error.Detail);
    }

    [Fact]
    public void TryCreate_IntervalWithTooManyBuckets_FailsWithTheCount()
    {
        var (valid, _, error) = Create(from: Noon.AddDays(-90), to: Noon, interval: "1m");

        Assert.False(valid);
        Assert.Equal("Too many buckets", error.Title);
        Assert.StartsWith("1m over 90 days is 129,600 buckets; the limit is 10,000", error.Detail);
    }

    [Fact]
    public void TryCreate_IntervalWithinTheLimit_KeepsIt()
    {
        var (valid, query, _) = Create(from: Noon.AddDays(-90), to: Noon, interval: "1h");

        Assert.True(valid);
        Assert.Equal(TelemetryResolution.OneHour, query.Interval);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TelemetryRules.MaxLimit + 1)]
    public void TryCreate_LimitOutOfRange_Fails(int limit)
    {
        var (valid, _, error) = Create(limit: limit);

        Assert.False(valid);
        Assert.Equal("Invalid limit", error.Title);
    }

    [Fact]
    public void TryCreate_CursorFromAPreviousPage_SetsAfter()
    {
        var last = new DateTime(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc);

        var (valid, query, _) = Create(after: TelemetryCursor.Encode(last));

        Assert.True(valid);
        Assert.Equal(last, query.After);
    }

    [Fact]
    public void TryCreate_CursorWithTwoMetrics_Fails()
    {
        var (valid, _, error) = Create(["a", "b"], after: TelemetryCursor.Encode(Noon.UtcDateTime));

        Assert.False(valid);
        Assert.Equal("Invalid cursor", error.Title);
        Assert.Contains("one metric", error.Detail);
    }

    [Fact]
    public void TryCreate_RawOverThreeYearsWithCursor_PassesBecauseRawIsPaged()
    {
        var (valid, query, _) = Create(from: Noon.AddDays(-1096), to: Noon, interval: "raw", after: TelemetryCursor.Encode(Noon.UtcDateTime.AddDays(-10)));

        Assert.True(valid);
        Assert.Equal(TelemetryResolution.Raw, query.Interval);
        Assert.NotNull(query.After);
    }

    [Fact]
    public void TryCreate_CursorWithInterval_Fails()
    {
        var (valid, _, error) = Create(interval: "1h", after: TelemetryCursor.Encode(Noon.UtcDateTime));

        Assert.False(valid);
        Assert.Equal("Invalid cursor", error.Title);
    }
}
