using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace IotAspire.IntegrationTests.Api;

/// <summary>The SignalR hub with the real stack: events from the stream, per device, once, on every replica.</summary>
[Collection(StackCollection.Name)]
public sealed class DevicesHubTests(StackFixture stack)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Subscribe_ShadowChanges_ReceivesOnlyItsDevicesEventsOnce()
    {
        var watched = await DeviceCredentials.RegisterAsync(stack, "hub-watched");
        var other = await DeviceCredentials.RegisterAsync(stack, "hub-other");
        await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress);
        await client.Connection.InvokeAsync("Subscribe", watched.Id);

        Assert.Equal(HttpStatusCode.OK, (await ApiCalls.PatchShadowAsync(stack, other.Id, """{"state":{"desired":{"x":1}}}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ApiCalls.PatchShadowAsync(stack, watched.Id, """{"state":{"desired":{"x":2}}}""")).Status);

        var shadow = await client.WaitForAsync("shadow", watched.Id);
        await Task.Delay(Quiet);
        Assert.Equal(1, shadow.GetProperty("version").GetInt64());
        Assert.Equal(2, shadow.GetProperty("document").GetProperty("state").GetProperty("desired").GetProperty("x").GetInt32());
        Assert.Single(client.Received, e => e.Method == "shadow");
        Assert.All(client.Received, e => Assert.Equal(watched.Id, e.DeviceId));
    }

    [Fact]
    public async Task Subscribe_Telemetry_ReceivesTheStoredValues()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-telemetry");
        await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress);
        await client.Connection.InvokeAsync("Subscribe", device.Id);

        var published = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"temperature":21.5,"door":"open"}""");
        Assert.Equal(0, published.ExitCode);

        var telemetry = await client.WaitForAsync("telemetry", device.Id);
        var values = telemetry.GetProperty("values").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("value"));
        Assert.Equal(21.5, values["temperature"].GetDouble());
        Assert.Equal("open", values["door"].GetString());
    }

    [Fact]
    public async Task Unsubscribe_AfterwardsReceivesNothing()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-unsub");
        await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress);
        await client.Connection.InvokeAsync("Subscribe", device.Id);
        await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"x":1}}}""");
        await client.WaitForAsync("shadow", device.Id);

        await client.Connection.InvokeAsync("Unsubscribe", device.Id);
        await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"x":2}}}""");
        await Task.Delay(Quiet);

        Assert.Single(client.Received);
    }

    [Fact]
    public async Task SubscribeDevices_APageOfIds_ReceivesEachDevicesEventsAndSkipsUnknownIds()
    {
        var first = await DeviceCredentials.RegisterAsync(stack, "hub-page-a");
        var second = await DeviceCredentials.RegisterAsync(stack, "hub-page-b");
        await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress);
        await client.Connection.InvokeAsync("SubscribeDevices", new[] { first.Id, second.Id, "t-hub-page-never-registered" });

        await ApiCalls.PatchShadowAsync(stack, first.Id, """{"state":{"desired":{"x":1}}}""");
        await ApiCalls.PatchShadowAsync(stack, second.Id, """{"state":{"desired":{"x":2}}}""");
        await client.WaitForAsync("shadow", first.Id);
        await client.WaitForAsync("shadow", second.Id);

        await client.Connection.InvokeAsync("UnsubscribeDevices", new[] { first.Id, second.Id });
        await ApiCalls.PatchShadowAsync(stack, first.Id, """{"state":{"desired":{"x":3}}}""");
        await Task.Delay(Quiet);
        Assert.Equal(2, client.Received.Count(e => e.Method == "shadow"));
    }

    [Fact]
    public async Task SubscribeDevices_MoreThanAPage_ThrowsHubException()
    {
        await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress);
        var ids = Enumerable.Range(0, 201).Select(i => $"t-hub-many-{i}").ToArray();

        await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync("SubscribeDevices", ids));
    }

    [Theory]
    [InlineData("no/such device")]
    [InlineData("t-hub-never-registered")]
    public async Task Subscribe_InvalidOrUnknownDevice_ThrowsHubException(string deviceId)
    {
        await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress);

        await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync("Subscribe", deviceId));
    }

    [Fact]
    public async Task Subscribe_OneClientOnEachReplica_BothGetTheEventExactlyOnce()
    {
        var replicas = await ApiReplicas.AddressesAsync(stack, expected: 2);
        Assert.Equal(2, replicas.Count);
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-replicas");
        await using var first = await HubClient.ConnectAsync(stack, replicas[0]);
        await using var second = await HubClient.ConnectAsync(stack, replicas[1]);
        await first.Connection.InvokeAsync("Subscribe", device.Id);
        await second.Connection.InvokeAsync("Subscribe", device.Id);

        for (var n = 1; n <= 3; n++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"n":""" + n + "}}}")).Status);
        }

        foreach (var client in new[] { first, second })
        {
            await Eventually.ReturnsAsync(() => Task.FromResult(client.Received.Count), count => count >= 3, TimeSpan.FromSeconds(10), "three shadow events");
        }

        await Task.Delay(Quiet);
        foreach (var client in new[] { first, second })
        {
            var versions = client.Received.Select(e => e.Data.GetProperty("version").GetInt64()).Order().ToList();
            Assert.Equal([1L, 2L, 3L], versions);
        }
    }

    [Fact]
    public async Task Connect_WithoutToken_IsRefused()
    {
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => HubClient.ConnectAsync(stack, stack.ApiAddress, user: null));

        Assert.Contains("401", exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ViewerTokenInQueryStringAsBrowsersSendIt_ReceivesEvents()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-browser");
        await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress, user: "viewer", tokenInQuery: true);
        await client.Connection.InvokeAsync("Subscribe", device.Id);

        Assert.Equal(HttpStatusCode.OK, (await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"x":1}}}""")).Status);

        var shadow = await client.WaitForAsync("shadow", device.Id);
        Assert.Equal(1, shadow.GetProperty("version").GetInt64());
    }

    /// <summary>A SignalR client that records every event it receives.</summary>
    private sealed class HubClient : IAsyncDisposable
    {
        private HubClient(HubConnection connection) => Connection = connection;

        public HubConnection Connection { get; }

        public ConcurrentQueue<(string Method, string? DeviceId, JsonElement Data)> ReceivedQueue { get; } = new();

        public List<(string Method, string? DeviceId, JsonElement Data)> Received => [.. ReceivedQueue];

        /// <param name="user">Whose token it sends (viewer by default: the least a hub client needs), or null for none.</param>
        /// <param name="tokenInQuery">Put the token into the URL's query string, as browsers must for WebSockets.</param>
        public static async Task<HubClient> ConnectAsync(StackFixture stack, Uri baseAddress, string? user = "viewer", bool tokenInQuery = false)
        {
            var url = new Uri(baseAddress, "/hubs/devices");
            if (user is not null && tokenInQuery)
            {
                url = new Uri(url + "?access_token=" + Uri.EscapeDataString(await stack.Tokens.GetAsync(user)));
            }

            var connection = new HubConnectionBuilder()
                // WebSockets without negotiation: no sticky session needed behind the round-robin proxy.
                .WithUrl(url, options =>
                {
                    options.Transports = HttpTransportType.WebSockets;
                    options.SkipNegotiation = true;
                    if (user is not null && !tokenInQuery)
                    {
                        options.AccessTokenProvider = async () => await stack.Tokens.GetAsync(user);
                    }
                })
                .Build();
            var client = new HubClient(connection);
            foreach (var method in new[] { "telemetry", "shadow", "presence" })
            {
                connection.On<JsonElement>(method, data =>
                    client.ReceivedQueue.Enqueue((method, data.TryGetProperty("deviceId", out var id) ? id.GetString() : null, data)));
            }

            await connection.StartAsync();
            return client;
        }

        public async Task<JsonElement> WaitForAsync(string method, string deviceId)
        {
            var received = await Eventually.ReturnsAsync(
                () => Task.FromResult(Received.FirstOrDefault(e => e.Method == method && e.DeviceId == deviceId)),
                e => e.Method is not null,
                TimeSpan.FromSeconds(10),
                $"a {method} event of {deviceId}");
            return received.Data;
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
