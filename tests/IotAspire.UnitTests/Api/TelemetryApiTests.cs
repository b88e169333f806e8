using IotAspire.Api.Apis;
using IotAspire.Api.Model;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IotAspire.UnitTests.Api;

public class TelemetryApiTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static Task<Results<TelemetryJsonResult, ProblemHttpResult>> Get(
        string id = "dev-1", string? metric = "temperature", DateTimeOffset? from = null, DateTimeOffset? to = null,
        int? limit = null, string? after = null, string? interval = null) =>
        TelemetryApi.GetTelemetry(id, metric is null ? null : [metric], from, to, interval, limit, after,
            ApiTestDoubles.TelemetryReader(), TimeProvider.System, ApiTestDoubles.Diagnostics(), CancellationToken.None);

    [Theory]
    [InlineData("a/b")]
    [InlineData("a%2Fb")]
    [InlineData("bad id")]
    [InlineData("")]
    public async Task GetTelemetry_InvalidId_ReturnsBadRequestNamingTheRule(string id)
    {
        var response = await Get(id: id);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Contains(DeviceId.Rule, badRequest.ProblemDetails.Detail);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(129)]
    public async Task GetTelemetry_MetricMissingOrTooLong_ReturnsBadRequest(object? metric)
    {
        var text = metric is int length ? new string('m', length) : (string?)metric;

        var response = await Get(metric: text);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid metric", badRequest.ProblemDetails.Title);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3600)]
    public async Task GetTelemetry_ToNotAfterFrom_ReturnsBadRequest(int toMinusFromSeconds)
    {
        var response = await Get(from: Noon, to: Noon.AddSeconds(toMinusFromSeconds));

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid time range", badRequest.ProblemDetails.Title);
    }

    [Fact]
    public async Task GetTelemetry_FromInTheFutureWithoutTo_ReturnsBadRequest()
    {
        var response = await Get(from: DateTimeOffset.UtcNow.AddHours(1));

        Assert.IsType<ProblemHttpResult>(response.Result);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TelemetryRules.MaxLimit + 1)]
    public async Task GetTelemetry_LimitOutOfRange_ReturnsBadRequest(int limit)
    {
        var response = await Get(limit: limit);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid limit", badRequest.ProblemDetails.Title);
    }

    [Theory]
    [InlineData("not-a-cursor")]
    [InlineData("dDI6MTIz")] // base64url of "t2:123": an unknown cursor version
    public async Task GetTelemetry_UnreadableCursor_ReturnsBadRequest(string after)
    {
        var response = await Get(after: after);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid cursor", badRequest.ProblemDetails.Title);
    }

    [Theory]
    [InlineData("2m", "Invalid interval")]
    [InlineData("1H", "Invalid interval")]
    [InlineData("1m", "Too many buckets")]
    public async Task GetTelemetry_UnknownIntervalOrTooManyBuckets_ReturnsBadRequest(string interval, string title)
    {
        var response = await Get(from: Noon.AddDays(-90), to: Noon, interval: interval);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal(title, badRequest.ProblemDetails.Title);
    }

    [Fact]
    public async Task GetTelemetry_TooManyMetrics_ReturnsBadRequestBeforeTheDatabase()
    {
        var metrics = Enumerable.Range(0, TelemetryRules.MaxMetricsPerRequest + 1).Select(i => $"m{i}").ToArray();

        var response = await TelemetryApi.GetTelemetry("dev-1", metrics, null, null, null, null, null,
            ApiTestDoubles.TelemetryReader(), TimeProvider.System, ApiTestDoubles.Diagnostics(), CancellationToken.None);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid metric", badRequest.ProblemDetails.Title);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("dev+1")]
    public async Task GetMetrics_InvalidId_ReturnsBadRequest(string id)
    {
        var response = await TelemetryApi.GetMetrics(id, ApiTestDoubles.TelemetryReader(), CancellationToken.None);

        Assert.IsType<ProblemHttpResult>(response.Result);
    }
}
