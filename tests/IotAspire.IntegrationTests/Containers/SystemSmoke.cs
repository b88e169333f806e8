using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// The end-to-end smoke, through public ports only, the same for every way the system is run: a device registered,
/// its telemetry stored, read back and sent live, a shadow round trip, a command answered, a broker restart survived.
/// </summary>
public static class SystemSmoke
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public static async Task TelemetryIsStoredReadBackAndSentLiveAsync(SmokeTarget target)
    {
        using var api = target.AdminApi();
        var credentials = await RegisterAsync(api, "smoke-telemetry");
        await using var device = await SmokeDevice.ConnectAsync(target, credentials);
        var events = new ConcurrentQueue<JsonElement>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(target.Api, "/hubs/devices"), options =>
            {
                // WebSockets without negotiation: no sticky session needed behind a round-robin proxy.
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                options.AccessTokenProvider = async () => await target.Tokens.GetAsync("viewer");
            })
            .Build();
        hub.On<JsonElement>("telemetry", events.Enqueue);
        await hub.StartAsync();
        await hub.InvokeAsync("Subscribe", device.Id);

        await device.PublishAsync("telemetry", """{"ts":"2026-12-01T10:00:00Z","temperature":21.5,"door":"open"}""");

        var live = await Eventually.ReturnsAsync(
            () => Task.FromResult(events.FirstOrDefault(e => e.GetProperty("deviceId").GetString() == device.Id)),
            e => e.ValueKind == JsonValueKind.Object, Wait, "a live telemetry event");
        Assert.Contains(live.GetProperty("values").EnumerateArray(), v => v.GetProperty("name").GetString() == "temperature");
        var points = await StoredPointsAsync(api, device.Id, "temperature", 1);
        Assert.Equal(21.5, points[0].GetProperty("value").GetDouble());
    }

    public static async Task ShadowRoundTripsWithTheDeviceAsync(SmokeTarget target)
    {
        using var api = target.AdminApi();
        var credentials = await RegisterAsync(api, "smoke-shadow");
        await using var device = await SmokeDevice.ConnectAsync(target, credentials);

        using var patch = await api.PatchAsync($"/api/devices/{device.Id}/shadow",
            JsonContent.Create(new { state = new { desired = new { led = "on" } } }));
        Assert.True(patch.StatusCode == HttpStatusCode.OK, await patch.Content.ReadAsStringAsync());
        var delta = await Eventually.ReturnsAsync(
            () => Task.FromResult(device.Deltas.LastOrDefault()), d => d?["state"]?["led"] is not null, Wait, "the shadow delta at the device");
        Assert.Equal("on", delta!["state"]!["led"]!.GetValue<string>());

        await device.PublishAsync("shadow/update", """{"state":{"reported":{"led":"on"}},"clientToken":"smoke"}""");

        var shadow = await Eventually.ReturnsAsync(
            () => api.GetFromJsonAsync<JsonObject>($"/api/devices/{device.Id}/shadow"),
            s => s?["state"]?["reported"]?["led"]?.GetValue<string>() == "on", Wait, "the reported state in the shadow");
        Assert.Null(shadow!["state"]!["delta"]);
    }

    public static async Task CommandIsAnsweredByTheDeviceAsync(SmokeTarget target)
    {
        using var api = target.AdminApi();
        var credentials = await RegisterAsync(api, "smoke-command");
        await using var device = await SmokeDevice.ConnectAsync(target, credentials);
        await WaitForOnlineAsync(api, device.Id);

        using var response = await api.PostAsJsonAsync($"/api/devices/{device.Id}/commands/ping", new { payload = new { n = 7 }, timeoutSeconds = 10 });
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal(200, answer["status"]!.GetValue<int>());
        Assert.Equal("ping", answer["payload"]!["name"]!.GetValue<string>());
        Assert.Equal(7, answer["payload"]!["echo"]!["n"]!.GetValue<int>());
    }

    /// <summary>QoS 1 telemetry acknowledged before and after a broker restart is all stored.</summary>
    public static async Task BrokerRestartLosesNoAcknowledgedTelemetryAsync(SmokeTarget target)
    {
        const int Each = 20;
        using var api = target.AdminApi();
        var credentials = await RegisterAsync(api, "smoke-restart");
        await using var device = await SmokeDevice.ConnectAsync(target, credentials);
        var start = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Each; i++)
        {
            await device.PublishAsync("telemetry", Point(start, i));
        }

        await target.RestartBroker();
        await device.WaitForDisconnectAsync(Wait);
        await device.ConnectAsync(TimeSpan.FromSeconds(90));
        for (var i = Each; i < 2 * Each; i++)
        {
            await device.PublishAsync("telemetry", Point(start, i));
        }

        await StoredPointsAsync(api, device.Id, "n", 2 * Each);
    }

    private static string Point(DateTimeOffset start, int i) =>
        $$"""{"ts":"{{start.AddSeconds(i):O}}","n":{{i.ToString(CultureInfo.InvariantCulture)}}}""";

    private static async Task<DeviceCredentials> RegisterAsync(HttpClient api, string purpose)
    {
        var id = DeviceCredentials.NewId(purpose);
        using var response = await api.PostAsJsonAsync("/api/devices", new { id, name = $"Smoke {purpose}" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"registration of {id} returned {(int)response.StatusCode}: {body}");
        var mqtt = JsonNode.Parse(body)!["mqtt"]!;
        return new DeviceCredentials(id, mqtt["host"]!.GetValue<string>(), mqtt["port"]!.GetValue<int>(),
            mqtt["username"]!.GetValue<string>(), mqtt["password"]!.GetValue<string>());
    }

    private static Task WaitForOnlineAsync(HttpClient api, string deviceId) =>
        Eventually.ReturnsAsync(
            () => api.GetFromJsonAsync<JsonObject>($"/api/devices/{deviceId}"),
            d => d?["online"]?.GetValue<bool>() == true, Wait, $"device {deviceId} online");

    private static async Task<JsonElement[]> StoredPointsAsync(HttpClient api, string deviceId, string metric, int count)
    {
        var url = $"/api/devices/{deviceId}/telemetry?metric={metric}&from=2026-11-30T00:00:00Z&to=2026-12-02T00:00:00Z&interval=raw&limit=1000";
        var answer = await Eventually.ReturnsAsync(
            () => api.GetFromJsonAsync<JsonElement>(url),
            a => a.GetProperty("series").EnumerateArray().Sum(s => s.GetProperty("points").GetArrayLength()) >= count,
            Wait, $"{count} stored points of {deviceId}/{metric}");
        var points = answer.GetProperty("series").EnumerateArray().SelectMany(s => s.GetProperty("points").EnumerateArray()).ToArray();
        Assert.Equal(count, points.Length);
        return points;
    }
}
