using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace IotAspire.IntegrationTests.Api;

/// <summary>
/// The SignalR .NET client as an app would use it (default negotiation; all transports unless one is chosen), recording
/// every event it receives.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    /// <summary>A device whose shadow events mark "everything sent before this has arrived" (see <see cref="SentinelAsync"/>).</summary>
    public const string SentinelDevice = "t-hub-sentinel";

    private static readonly SemaphoreSlim SentinelRegistration = new(1, 1);
    private static int _sentinelValue;
    private readonly CookieContainer _cookies;

    private HubClient(HubConnection connection, CookieContainer cookies, Uri url)
    {
        Connection = connection;
        _cookies = cookies;
        Url = url;
    }

    public HubConnection Connection { get; }
    public Uri Url { get; }

    public ConcurrentQueue<(string Method, string? DeviceId, JsonElement Data)> ReceivedQueue { get; } = new();

    public List<(string Method, string? DeviceId, JsonElement Data)> Received => [.. ReceivedQueue];

    /// <summary>Which replica the gateway pinned this client to (its affinity cookie: a hash of the replica's id).</summary>
    public string? Replica => _cookies.GetCookies(Url).FirstOrDefault(c => c.Name == "iotaspire.hub")?.Value;

    /// <param name="user">Whose token it sends (viewer by default: the least a hub client needs), or null for none.</param>
    /// <param name="tokenInQuery">Put the token into the URL's query string, as browsers must for WebSockets.</param>
    /// <param name="transport">One transport only (the client then falls back to nothing else); null: the default, all.</param>
    public static async Task<HubClient> ConnectAsync(
        StackFixture stack, Uri baseAddress, string? user = "viewer", bool tokenInQuery = false, HttpTransportType? transport = null)
    {
        var url = new Uri(baseAddress, "/hubs/devices");
        if (user is not null && tokenInQuery)
        {
            url = new Uri(url + "?access_token=" + Uri.EscapeDataString(await stack.Tokens.GetAsync(user)));
        }

        var cookies = new CookieContainer();
        var connection = new HubConnectionBuilder()
            .WithUrl(url, options =>
            {
                options.Cookies = cookies; // The client's own container, as by default: kept here only to read it.
                if (transport is { } only)
                {
                    options.Transports = only;
                }

                if (user is not null && !tokenInQuery)
                {
                    options.AccessTokenProvider = async () => await stack.Tokens.GetAsync(user);
                }
            })
            .WithAutomaticReconnect()
            .Build();
        var client = new HubClient(connection, cookies, url);
        foreach (var method in new[] { "telemetry", "shadow", "presence" })
        {
            connection.On<JsonElement>(method, data =>
                client.ReceivedQueue.Enqueue((method, data.TryGetProperty("deviceId", out var id) ? id.GetString() : null, data)));
        }

        await connection.StartAsync();
        return client;
    }

    public async Task<JsonElement> WaitForAsync(string method, string deviceId, TimeSpan? timeout = null)
    {
        var received = await Eventually.ReturnsAsync(
            () => Task.FromResult(Received.FirstOrDefault(e => e.Method == method && e.DeviceId == deviceId)),
            e => e.Method is not null,
            timeout ?? TimeSpan.FromSeconds(10),
            $"a {method} event of {deviceId}");
        return received.Data;
    }

    /// <summary>
    /// Subscribes to the sentinel device, changes its shadow and waits for that event. Events reach a client in the order
    /// they were sent, so whatever was sent to this client before the sentinel's change has arrived once this returns:
    /// a test can then assert that something did not arrive without sleeping.
    /// </summary>
    public async Task SentinelAsync(StackFixture stack)
    {
        await SentinelRegistration.WaitAsync();
        try
        {
            using var registered = await stack.Api.GetAsync($"/api/devices/{SentinelDevice}");
            if (registered.StatusCode == HttpStatusCode.NotFound)
            {
                (await stack.Api.PostAsync("/api/devices", System.Net.Http.Json.JsonContent.Create(new { id = SentinelDevice }))).EnsureSuccessStatusCode();
            }
        }
        finally
        {
            SentinelRegistration.Release();
        }

        await Connection.InvokeAsync("Subscribe", SentinelDevice);
        var value = Interlocked.Increment(ref _sentinelValue);
        var patched = await ApiCalls.PatchShadowAsync(stack, SentinelDevice, "{\"state\":{\"desired\":{\"sentinel\":" + value + "}}}");
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        await Eventually.ReturnsAsync(
            () => Task.FromResult(Received.Any(e => e.DeviceId == SentinelDevice && e.Method == "shadow"
                && e.Data.GetProperty("document").GetProperty("state").GetProperty("desired").TryGetProperty("sentinel", out var v)
                && v.GetInt32() == value)),
            arrived => arrived, TimeSpan.FromSeconds(10), $"the sentinel event {value}");
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
