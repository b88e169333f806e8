using System.Net;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Ingest;

[Collection(StackCollection.Name)]
public sealed class TelemetryIngestTests(StackFixture stack)
{
    private static readonly TimeSpan IngestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Publish_BothShapes_ApiReturnsExactlyTheValuesSent()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shapes");
        var seed = $$"""{"deviceId":"{{device.Id}}","timestamp":1764151200,"values":[{"name":"temperature","value":21.5,"timestamp":1764151199},{"name":"temperature","value":22.25},{"name":"door","value":"open"}]}""";
        var compact = """{"ts":"2025-11-26T10:00:05Z","temperature":23.75,"door":"closed","heater":true,"gps":{"lat":52.5,"lon":13.4}}""";

        foreach (var message in new[] { seed, compact, compact })
        {
            var sent = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", message);
            Assert.True(sent.ExitCode == 0, sent.Error);
        }

        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count >= 8, IngestTimeout, "8 points stored");
        var range = "from=2025-11-26T00:00:00Z&to=2025-11-27T00:00:00Z";

        var temperatures = await PointsAsync(device.Id, "temperature", range);
        Assert.Equal(
            [("2025-11-26T09:59:59Z", "21.5"), ("2025-11-26T10:00:00Z", "22.25"), ("2025-11-26T10:00:05Z", "23.75")],
            temperatures);
        Assert.Equal([("2025-11-26T10:00:00Z", "\"open\""), ("2025-11-26T10:00:05Z", "\"closed\"")], await PointsAsync(device.Id, "door", range));
        Assert.Equal([("2025-11-26T10:00:05Z", "true")], await PointsAsync(device.Id, "heater", range));
        Assert.Equal([("2025-11-26T10:00:05Z", "52.5")], await PointsAsync(device.Id, "gps.lat", range));
        Assert.Equal(8, await Database.CountTelemetryAsync(stack, device.Id));
    }

    [Fact]
    public async Task Publish_ToAnotherDevicesTopic_StoresNothingForIt()
    {
        var intruder = await DeviceCredentials.RegisterAsync(stack, "intruder");
        var victim = await DeviceCredentials.RegisterAsync(stack, "victim");

        await MosquittoCli.PublishAsync(stack, intruder, $"devices/{victim.Id}/telemetry", """{"ts":"2025-11-26T10:00:00Z","spoofed":1}""");
        var own = await MosquittoCli.PublishAsync(stack, victim, $"devices/{victim.Id}/telemetry", """{"ts":"2025-11-26T10:00:01Z","genuine":1}""");
        Assert.True(own.ExitCode == 0, own.Error);

        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, victim.Id, "genuine"), count => count == 1, IngestTimeout, "the genuine point stored");
        Assert.Equal(0, await Database.CountTelemetryAsync(stack, victim.Id, "spoofed"));
        Assert.Equal(1, await Database.CountTelemetryAsync(stack, victim.Id));
    }

    [Fact]
    public async Task Metrics_AfterTelemetry_ListLatestValues()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "metrics");
        await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"ts":"2025-11-26T10:00:00Z","humidity":40.5,"mode":"idle"}""");
        await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"ts":"2025-11-26T10:01:00Z","humidity":41}""");
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count == 3, IngestTimeout, "3 points stored");

        using var json = JsonDocument.Parse(await stack.Api.GetStringAsync($"/api/devices/{device.Id}/metrics"));

        var metrics = json.RootElement.EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m);
        Assert.Equal(["humidity", "mode"], metrics.Keys.Order());
        Assert.Equal(41, metrics["humidity"].GetProperty("lastValue").GetDouble());
        Assert.Equal("idle", metrics["mode"].GetProperty("lastValue").GetString());
    }

    [Fact]
    public async Task Telemetry_Paged_ReturnsEveryPointOnceInOrder()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "paging");
        var lines = string.Join('\n', Enumerable.Range(0, 25).Select(i =>
            $$"""{"timestamp":{{1764151200 + i}},"values":[{"name":"n","value":{{i}}}]}"""));
        var sent = await ProcessRunner.RunAsync("mosquitto_pub",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", device.Password, "-i", device.Username, "-q", "1",
            "-t", $"devices/{device.Id}/telemetry", "-l",
        ], lines + "\n");
        Assert.True(sent.ExitCode == 0, sent.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count == 25, IngestTimeout, "25 points stored");

        var values = new List<string>();
        string? after = null;
        for (var page = 0; page < 10; page++)
        {
            var url = $"/api/devices/{device.Id}/telemetry?metric=n&from=2025-11-26T00:00:00Z&to=2025-11-27T00:00:00Z&limit=10"
                + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
            using var json = JsonDocument.Parse(await stack.Api.GetStringAsync(url));
            var series = json.RootElement.GetProperty("series")[0];
            values.AddRange(series.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetRawText()));
            after = series.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (after is null)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), values);
    }

    [Theory]
    [InlineData("metric=t&from=2025-11-27T00:00:00Z&to=2025-11-26T00:00:00Z")]
    [InlineData("metric=t&from=yesterday")]
    [InlineData("from=2025-11-26T00:00:00Z&to=2025-11-27T00:00:00Z")]
    [InlineData("metric=t&limit=0")]
    public async Task Telemetry_BadQuery_Returns400ProblemDetails(string query)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "badquery");

        using var response = await stack.Api.GetAsync($"/api/devices/{device.Id}/telemetry?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Telemetry_UnknownDevice_Returns404()
    {
        using var response = await stack.Api.GetAsync($"/api/devices/{DeviceCredentials.NewId("nobody")}/telemetry?metric=t");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<List<(string T, string Value)>> PointsAsync(string deviceId, string metric, string range)
    {
        using var json = JsonDocument.Parse(await stack.Api.GetStringAsync($"/api/devices/{deviceId}/telemetry?metric={Uri.EscapeDataString(metric)}&{range}"));
        return json.RootElement.GetProperty("series")[0].GetProperty("points").EnumerateArray()
            .Select(p => (DateTimeOffset.Parse(p.GetProperty("t").GetString()!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                p.GetProperty("value").GetRawText()))
            .ToList();
    }
}
