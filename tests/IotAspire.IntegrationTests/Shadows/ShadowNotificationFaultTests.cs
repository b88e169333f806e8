using System.Net;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace IotAspire.IntegrationTests.Shadows;

/// <summary>A stored update is answered as accepted even when what follows the store fails. On a stack of its own: it takes PUBLISH away from Redis's default user for a moment.</summary>
[Collection(DisruptedStackCollection.Name)]
public sealed class ShadowNotificationFaultTests(StackFixture stack)
{
    [Fact]
    public async Task PatchShadow_RedisFailsAfterTheStore_IsAnsweredAcceptedAndTheDeviceStillGetsItsDelta()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-fault");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await stack.App.GetConnectionStringAsync(ResourceNames.Redis)
            ?? throw new InvalidOperationException("No redis connection string."));
        var database = redis.GetDatabase();
        // The shadow store works; the event sent after the MQTT messages fails (NOPERM on the backplane's PUBLISH), as if
        // Redis broke in between. The services connect as the default user, so the change reaches their connections at once.
        await database.ExecuteAsync("ACL", "LOG", "RESET");
        await database.ExecuteAsync("ACL", "SETUSER", "default", "-publish");
        ApiCalls.Answer patched;
        try
        {
            patched = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"fan":3}}}""");
        }
        finally
        {
            await database.ExecuteAsync("ACL", "SETUSER", "default", "+publish");
        }

        // The event's PUBLISH was refused: otherwise this test proves nothing.
        var denied = (RedisResult[])(await database.ExecuteAsync("ACL", "LOG"))!;
        Assert.Contains(denied, entry => entry.ToDictionary().TryGetValue("object", out var command) && (string?)command == "publish");
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(1, patched.Body.GetProperty("version").GetInt64());
        var delta = await MosquittoDevice.RequestAsync(stack, device, Core.Protocol.ShadowTopics.Get(device.Id), Core.Protocol.ShadowTopics.GetAccepted(device.Id), "");
        Assert.Equal(3, delta["state"]!["delta"]!["fan"]!.GetValue<int>());
    }
}
