using IotAspire.Api.Presence;
using IotAspire.Api.Realtime;
using StackExchange.Redis;

namespace IotAspire.UnitTests.Api;

public sealed class RealtimeTests
{
    [Fact]
    public void RelayedEvent_WellFormedEntry_IsRelayedWithItsData()
    {
        var entry = Entry("1764151200000-0", ("type", "shadow"), ("device", "dev-1"), ("data", """{"version":3}"""));

        var relayed = RelayedEvent.TryRead(entry, out var problem);

        Assert.Null(problem);
        Assert.Equal("shadow", relayed!.Type);
        Assert.Equal("dev-1", relayed.DeviceId);
        Assert.Equal(3, relayed.Data.GetProperty("version").GetInt32());
    }

    [Theory]
    [InlineData("other", "dev-1", """{}""", "type")]
    [InlineData("telemetry", "bad/id", """{}""", "device")]
    [InlineData("presence", "dev-1", "{not json", "JSON")]
    [InlineData("presence", "dev-1", null, "data")]
    public void RelayedEvent_BadEntry_IsRejectedWithTheReason(string type, string device, string? data, string reason)
    {
        var fields = new List<(string, string)> { ("type", type), ("device", device) };
        if (data is not null)
        {
            fields.Add(("data", data));
        }

        var relayed = RelayedEvent.TryRead(Entry("1-0", [.. fields]), out var problem);

        Assert.Null(relayed);
        Assert.Contains(reason, problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AppendedAt_IsTheMillisecondsOfTheId() =>
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764151200123), RelayedEvent.AppendedAt("1764151200123-7"));

    [Fact]
    public void DevicesHubGroup_IsPerDevice() => Assert.Equal("device:dev-1", DevicesHub.Group("dev-1"));

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

    private static StreamEntry Entry(string id, params (string Name, string Value)[] fields) =>
        new(id, fields.Select(f => new NameValueEntry(f.Name, f.Value)).ToArray());
}
