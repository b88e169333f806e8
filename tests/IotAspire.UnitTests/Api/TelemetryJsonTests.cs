using System.Buffers;
using System.Text;
using System.Text.Json;
using IotAspire.Api.Apis;
using IotAspire.Api.Infrastructure;
using Microsoft.AspNetCore.Http;
using IotAspire.Api.Model;
using IotAspire.Core.Telemetry;
using TelemetryPoint = IotAspire.Api.Model.TelemetryPoint;

namespace IotAspire.UnitTests.Api;

public class TelemetryJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { Converters = { new TelemetryValueJsonConverter() } };
    private static readonly DateTime Ten = new(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Serialize_RawResponse_WritesValuesAsTheDeviceSentThem()
    {
        var response = new TelemetryResponse("dev-1", Ten, Ten.AddHours(1), TelemetryResolution.Raw,
        [
            new RawSeries("t",
            [
                new TelemetryPoint(Ten, TelemetryValue.FromNumber(21.5)),
                new TelemetryPoint(Ten.AddSeconds(1), TelemetryValue.FromBoolean(true)),
                new TelemetryPoint(Ten.AddSeconds(2), TelemetryValue.FromText("open")),
            ], "next-page"),
        ]);

        var json = JsonSerializer.Serialize(response, Web);

        Assert.Equal(
            """{"deviceId":"dev-1","from":"2026-11-26T10:00:00Z","to":"2026-11-26T11:00:00Z","resolution":"raw","series":[{"metric":"t","points":"""
            + """[{"t":"2026-11-26T10:00:00Z","value":21.5},{"t":"2026-11-26T10:00:01Z","value":true},{"t":"2026-11-26T10:00:02Z","value":"open"}],"next":"next-page"}]}""",
            json);
    }

    [Fact]
    public void Serialize_BucketResponse_NamesTheIntervalAndCarriesNoTypeDiscriminator()
    {
        var response = new TelemetryResponse("dev-1", Ten, Ten.AddHours(1), TelemetryResolution.FifteenMinutes,
            [new BucketSeries("t", [new TelemetryBucket(Ten, 1, 3, 2, 4)])]);

        var json = JsonSerializer.Serialize(response, Web);

        Assert.Equal(
            """{"deviceId":"dev-1","from":"2026-11-26T10:00:00Z","to":"2026-11-26T11:00:00Z","resolution":"15m","series":[{"metric":"t","buckets":"""
            + """[{"t":"2026-11-26T10:00:00Z","min":1,"max":3,"avg":2,"count":4}]}]}""",
            json);
    }

    [Theory]
    [InlineData("21.5")]
    [InlineData("false")]
    [InlineData("\"idle\"")]
    public void TelemetryValue_RoundTrips(string json)
    {
        var value = JsonSerializer.Deserialize<TelemetryValue>(json, Web);

        Assert.Equal(json, JsonSerializer.Serialize(value, Web));
    }

    public static TheoryData<string> Responses => ["raw", "buckets"];

    [Theory]
    [MemberData(nameof(Responses))]
    public async Task TelemetryJsonResult_WritesExactlyWhatTheSerializerWritesForTheContract(string kind)
    {
        var response = kind == "raw" ? LargeRawResponse() : LargeBucketResponse();
        var buffer = new ArrayBufferWriter<byte>();
        var flushes = 0;
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            await TelemetryJsonResult.WriteAsync(writer, response, () =>
            {
                flushes++;
                writer.Flush();
                return ValueTask.CompletedTask;
            });
        }

        Assert.Equal(JsonSerializer.Serialize(response, Web), Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.True(flushes > 0, "a large answer is sent in chunks");
    }

    [Fact]
    public async Task TelemetryJsonResult_Execute_Writes200Json()
    {
        var response = LargeRawResponse();
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await new TelemetryJsonResult(response).ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
        Assert.Equal(JsonSerializer.Serialize(response, Web), Encoding.UTF8.GetString(body.ToArray()));
    }

    private static TelemetryResponse LargeRawResponse()
    {
        var points = Enumerable.Range(0, 3000).Select(i => new TelemetryPoint(Ten.AddTicks(i * 12_345_670L), (i % 3) switch
        {
            0 => TelemetryValue.FromNumber((i * 0.1) - 17.123456789),
            1 => TelemetryValue.FromBoolean(i % 2 == 0),
            _ => TelemetryValue.FromText($"state \"{i}\" é"),
        })).ToArray();
        return new TelemetryResponse("dev-1", Ten, Ten.AddDays(1), TelemetryResolution.Raw,
            [new RawSeries("a", points, "bmV4dA"), new RawSeries("quote\"d <name>", [], null)]);
    }

    private static TelemetryResponse LargeBucketResponse()
    {
        var buckets = Enumerable.Range(0, 2000).Select(i => new TelemetryBucket(Ten.AddMinutes(i), -i, i * 1.5, i / 3.0, i + 1)).ToArray();
        return new TelemetryResponse("dev-1", Ten, Ten.AddDays(2), TelemetryResolution.OneMinute,
            [new BucketSeries("a", buckets), new BucketSeries("b", [])]);
    }
}
