using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.Core.Protocol;
using IotAspire.Core.Shadows;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using StackExchange.Redis;

namespace IotAspire.IntegrationTests.Shadows;

/// <summary>Concurrent writers of one shadow never lose an update: the version and the content come out exact.</summary>
[Collection(StackCollection.Name)]
public sealed class ShadowConcurrencyTests(StackFixture stack)
{
    [Fact]
    public async Task Update_50ParallelDevicePublishes_AllAcceptedWithDistinctVersionsAndNothingLost()
    {
        const int writers = 50;
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-parallel");
        var versions = new ConcurrentBag<long>();
        var rejected = new ConcurrentBag<string>();
        var allAccepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            var body = JsonNode.Parse(e.ApplicationMessage.Payload.ToArray())!;
            if (e.ApplicationMessage.Topic == ShadowTopics.UpdateAccepted(device.Id))
            {
                versions.Add(body["version"]!.GetValue<long>());
                if (versions.Count == writers)
                {
                    allAccepted.TrySetResult();
                }
            }
            else
            {
                rejected.Add(body.ToJsonString());
            }

            return Task.CompletedTask;
        };
        var connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(stack.Broker.Host, stack.Broker.Port)
            .WithClientId(device.Username)
            .WithCredentials(device.Username, device.Password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(ShadowTopics.UpdateAccepted(device.Id), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(ShadowTopics.UpdateRejected(device.Id), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(ShadowTopics.Update(device.Id))
            .WithPayload(new JsonObject { ["state"] = new JsonObject { ["reported"] = new JsonObject { [$"k{i}"] = i, ["last"] = i } } }.ToJsonString())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build())));
        await allAccepted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(rejected);
        Assert.Equal(Enumerable.Range(1, writers).Select(v => (long)v), versions.Order());
        var shadow = await ReadShadowAsync(device.Id);
        Assert.Equal(writers, shadow.Version);
        var reported = shadow.Reported!;
        Assert.All(Enumerable.Range(0, writers), i => Assert.Equal(i, reported[$"k{i}"]!.GetValue<int>()));
        Assert.InRange(reported["last"]!.GetValue<int>(), 0, writers - 1);
        Assert.Equal(writers + 1, reported.Count);
    }

    [Fact]
    public async Task UpdateAsync_200ConcurrentStoreWriters_EndAtVersion200WithEveryField()
    {
        const int writers = 200;
        var deviceId = DeviceCredentials.NewId("shadow-store");
        await using var redis = await ConnectRedisAsync();
        var store = new RedisShadowStore(redis, TimeProvider.System);

        var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() => store.UpdateAsync(deviceId, new ShadowUpdate
        {
            HasDesired = true,
            Desired = new JsonObject { [$"d{i}"] = i },
            HasReported = true,
            Reported = new JsonObject { ["counter"] = new JsonObject { [$"c{i}"] = true } },
        }, CancellationToken.None))));

        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(Enumerable.Range(1, writers).Select(v => (long)v), results.Select(r => r.State!.Version).Order());
        var shadow = (await store.GetAsync(deviceId, CancellationToken.None))!;
        Assert.Equal(writers, shadow.Version);
        Assert.Equal(writers, shadow.Desired!.Count);
        Assert.Equal(writers, shadow.Reported!["counter"]!.AsObject().Count);
        await store.DeleteAsync(deviceId, CancellationToken.None);
    }

    private async Task<ShadowState> ReadShadowAsync(string deviceId)
    {
        await using var redis = await ConnectRedisAsync();
        return (await new RedisShadowStore(redis, TimeProvider.System).GetAsync(deviceId, CancellationToken.None))!;
    }

    private async Task<ConnectionMultiplexer> ConnectRedisAsync() =>
        await ConnectionMultiplexer.ConnectAsync(await stack.App.GetConnectionStringAsync(ResourceNames.Redis)
            ?? throw new InvalidOperationException("No redis connection string."));
}
