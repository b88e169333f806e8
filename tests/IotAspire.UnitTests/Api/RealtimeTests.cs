using System.Text.Json.Nodes;
using IotAspire.Api.Presence;
using IotAspire.Core.Events;
using IotAspire.Realtime;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace IotAspire.UnitTests.Api;

public sealed class RealtimeTests
{
    [Fact]
    public void DevicesHubGroup_IsPerDevice() => Assert.Equal("device:dev-1", DevicesHub.Group("dev-1"));

    [Fact]
    public async Task HubDeviceEventPublisher_Batch_SendsEachEventToItsDevicesGroupInOrder()
    {
        var hub = new RecordingHubContext();
        var publisher = new HubDeviceEventPublisher(hub);

        await publisher.PublishAsync(
        [
            new DeviceEvent(DeviceEvent.Telemetry, "dev-1", new JsonObject { ["n"] = 1 }),
            new DeviceEvent(DeviceEvent.Presence, "dev-2", new JsonObject { ["n"] = 2 }),
            new DeviceEvent(DeviceEvent.Telemetry, "dev-1", new JsonObject { ["n"] = 3 }),
        ], CancellationToken.None);

        Assert.Equal(
            ["device:dev-1 telemetry {\"n\":1}", "device:dev-2 presence {\"n\":2}", "device:dev-1 telemetry {\"n\":3}"],
            hub.Sent);
    }

    [Fact]
    public void PresenceParse_OnlineWithSince_IsOnline()
    {
        var presence = PresenceReader.Parse(["1", "1764151200000"]);

        Assert.True(presence.Online);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764151200000), presence.Since);
    }

    [Fact]
    public void PresenceParse_MissingOrOffline_IsOffline()
    {
        Assert.False(PresenceReader.Parse([RedisValue.Null, RedisValue.Null]).Online);
        Assert.False(PresenceReader.Parse(["0", "1764151200000"]).Online);
    }

    /// <summary>Records "group method argument" of each send, in the order the sends were issued.</summary>
    private sealed class RecordingHubContext : IHubContext<DevicesHub>
    {
        private readonly RecordingClients _clients;

        public RecordingHubContext() => _clients = new RecordingClients(this);

        public List<string> Sent { get; } = [];
        public IHubClients Clients => _clients;
        public IGroupManager Groups => throw new NotSupportedException();
    }

    private sealed class RecordingClients(RecordingHubContext context) : IHubClients
    {
        public IClientProxy Group(string groupName) => new Proxy(context, groupName);
        public IClientProxy All => throw new NotSupportedException();
        public IClientProxy AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        public IClientProxy Client(string connectionId) => throw new NotSupportedException();
        public IClientProxy Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();
        public IClientProxy GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        public IClientProxy Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();
        public IClientProxy User(string userId) => throw new NotSupportedException();
        public IClientProxy Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();

        private sealed class Proxy(RecordingHubContext context, string group) : IClientProxy
        {
            public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default)
            {
                context.Sent.Add($"{group} {method} {((JsonNode)args[0]!).ToJsonString()}");
                return Task.CompletedTask;
            }
        }
    }
}
