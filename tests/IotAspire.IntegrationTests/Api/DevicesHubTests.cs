using System.Net;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace IotAspire.IntegrationTests.Api;

/// <summary>The SignalR hub through the gateway, with the .NET client in its default settings: events per device, once, on every replica.</summary>
[Collection(StackCollection.Name)]
public sealed class DevicesHubTests(StackFixture stack)
{
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
        await client.SentinelAsync(stack); // Anything else would have arrived before it.
        Assert.Equal(1, shadow.GetProperty("version").GetInt64());
        Assert.Equal(2, shadow.GetProperty("document").GetProperty("state").GetProperty("desired").GetProperty("x").GetInt32());
        Assert.Single(client.Received, e => e.Method == "shadow" && e.DeviceId != HubClient.SentinelDevice);
        Assert.All(client.Received, e => Assert.Contains(e.DeviceId, new[] { watched.Id, HubClient.SentinelDevice }));
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
        await client.SentinelAsync(stack); // Sent after the change: had the change been sent to the client, it came first.

        Assert.Single(client.Received, e => e.DeviceId == device.Id);
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
        await client.SentinelAsync(stack);
        Assert.Equal(2, client.Received.Count(e => e.Method == "shadow" && e.DeviceId != HubClient.SentinelDevice));
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
    public async Task Subscribe_TwoClientsThroughTheGatewayOnDifferentReplicas_BothGetEachEventExactlyOnce()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-replicas");
        await using var first = await HubClient.ConnectAsync(stack, stack.ApiAddress);
        await using var second = await HubClient.ConnectAsync(stack, stack.ApiAddress);
        // The gateway sends each new client to the next replica in turn (then keeps it there).
        Assert.NotEqual(first.Replica, second.Replica);
        await first.Connection.InvokeAsync("Subscribe", device.Id);
        await second.Connection.InvokeAsync("Subscribe", device.Id);

        for (var n = 1; n <= 3; n++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"n":""" + n + "}}}")).Status);
        }

        foreach (var client in new[] { first, second })
        {
            await client.SentinelAsync(stack);
            var versions = client.Received.Where(e => e.DeviceId == device.Id).Select(e => e.Data.GetProperty("version").GetInt64()).ToList();
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
}
