using System.Net;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.Core.Events;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace IotAspire.IntegrationTests.Shadows;

/// <summary>A stored update is answered as accepted even when what follows the store fails. On a stack of its own: it breaks Redis's event stream for a moment.</summary>
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
        // The shadow store works; the event written after the MQTT messages fails (WRONGTYPE), as if Redis broke in between.
        var saved = await database.KeyDumpAsync(DeviceEvent.StreamKey);
        await database.KeyDeleteAsync(DeviceEvent.StreamKey);
        await database.StringSetAsync(DeviceEvent.StreamKey, "not a stream");
        ApiCalls.Answer patched;
        try
        {
            patched = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"fan":3}}}""");
        }
        finally
        {
            await database.KeyDeleteAsync(DeviceEvent.StreamKey);
            if (saved is not null)
            {
                await database.KeyRestoreAsync(DeviceEvent.StreamKey, saved);
            }
        }

        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(1, patched.Body.GetProperty("version").GetInt64());
        var delta = await MosquittoDevice.RequestAsync(stack, device, Core.Protocol.ShadowTopics.Get(device.Id), Core.Protocol.ShadowTopics.GetAccepted(device.Id), "");
        Assert.Equal(3, delta["state"]!["delta"]!["fan"]!.GetValue<int>());
    }
}
