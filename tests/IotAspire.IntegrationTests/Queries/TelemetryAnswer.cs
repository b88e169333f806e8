using System.Globalization;
using System.Net;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Queries;

/// <summary>A parsed answer of GET /api/devices/{id}/telemetry: the resolution used and each series, by metric.</summary>
public sealed record TelemetryAnswer(string Resolution, IReadOnlyList<string> Metrics, JsonElement Root)
{
    public static async Task<TelemetryAnswer> GetAsync(StackFixture stack, string deviceId, string query)
    {
        using var response = await stack.Api.GetAsync($"/api/devices/{deviceId}/telemetry?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query} returned {(int)response.StatusCode}: {body}");
        var root = JsonDocument.Parse(body).RootElement.Clone();
        var metrics = root.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("metric").GetString()!).ToList();
        return new TelemetryAnswer(root.GetProperty("resolution").GetString()!, metrics, root);
    }

    public List<Bucket> Buckets(string metric) =>
        Series(metric).GetProperty("buckets").EnumerateArray().Select(b => new Bucket(
            Time(b.GetProperty("t")), b.GetProperty("min").GetDouble(), b.GetProperty("max").GetDouble(),
            b.GetProperty("avg").GetDouble(), b.GetProperty("count").GetInt64())).ToList();

    public List<(DateTime T, string Value)> Points(string metric) =>
        Series(metric).GetProperty("points").EnumerateArray()
            .Select(p => (Time(p.GetProperty("t")), p.GetProperty("value").GetRawText())).ToList();

    private JsonElement Series(string metric) =>
        Root.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("metric").GetString() == metric);

    private static DateTime Time(JsonElement element) =>
        DateTimeOffset.Parse(element.GetString()!, CultureInfo.InvariantCulture).UtcDateTime;
}
