using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Core.Shadows;
using IotAspire.Simulator.Devices;

namespace IotAspire.UnitTests.Simulator;

public sealed class DeviceInboxTests
{
    private static readonly DateTimeOffset T1 = DateTimeOffset.FromUnixTimeSeconds(1_764_151_200);

    [Fact]
    public void Subscriptions_Device_AreDeltaAcceptedRejectedAndCommands()
    {
        Assert.Equal(
            ["devices/d1/shadow/update/delta", "devices/d1/shadow/update/accepted", "devices/d1/shadow/update/rejected", "devices/d1/commands/#"],
            DeviceInbox.Subscriptions("d1"));
    }

    [Fact]
    public void TryParseCommand_RequestTopic_ReturnsNameAndRequestId()
    {
        Assert.True(DeviceInbox.TryParseCommand("d1", "devices/d1/commands/setInterval/req-42", out var name, out var requestId));
        Assert.Equal("setInterval", name);
        Assert.Equal("req-42", requestId);
    }

    [Theory]
    [InlineData("devices/d1/commands/response/req-42")]
    [InlineData("devices/d2/commands/ping/req-42")]
    [InlineData("devices/d1/commands/ping")]
    [InlineData("devices/d1/commands/ping/")]
    [InlineData("devices/d1/commands/ping/a/b")]
    [InlineData("devices/d1/shadow/update/delta")]
    public void TryParseCommand_OtherTopic_ReturnsFalse(string topic)
    {
        Assert.False(DeviceInbox.TryParseCommand("d1", topic, out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"version":3}""")]
    [InlineData("""{"state":[1]}""")]
    public void TryParseDelta_EmptyOrWithoutState_ReturnsFalse(string payload)
    {
        Assert.False(DeviceInbox.TryParseDelta(Encoding.UTF8.GetBytes(payload), out _, out _));
    }

    [Fact]
    public void Report_Reported_IsAnAwsReportedUpdateWithClientToken()
    {
        var report = DeviceInbox.Report(new JsonObject { ["led"] = "on" }, "d1-7");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"state":{"reported":{"led":"on"}},"clientToken":"d1-7"}"""), JsonNode.Parse(report)));
    }

    /// <summary>The whole round with the real shadow rules: desired set by an app, the delta applied and reported, the delta gone.</summary>
    [Fact]
    public void DeltaRoundTrip_AppSetsDesired_DeviceReportClearsTheDelta()
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));
        var initial = ApplyReport(null, DeviceInbox.Report(settings.Reported(), "d1-1"));
        var desired = ShadowRules.Apply(initial,
            ShadowRules.ParseUpdate("""{"state":{"desired":{"led":"on","interval":10,"color":"red"}}}"""u8, ShadowWriter.App).Update!, T1);
        Assert.NotNull(desired.DeltaMessage);

        Assert.True(DeviceInbox.TryParseDelta(Encoding.UTF8.GetBytes(desired.DeltaMessage.ToJsonString()), out var deltaState, out var version));
        Assert.Equal(desired.State!.Version, version);
        var outcome = settings.ApplyDelta(deltaState);
        var after = ShadowRules.Apply(desired.State,
            ShadowRules.ParseUpdate(DeviceInbox.Report(outcome.Reported, "d1-2"), ShadowWriter.Device).Update!, T1.AddSeconds(1));

        Assert.Null(after.Error);
        Assert.Equal(["color"], outcome.Ignored);
        // Only the field the device cannot apply stays outstanding.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"color":"red"}"""), after.DeltaMessage?["state"]), after.DeltaMessage?.ToJsonString());
        Assert.Equal("on", after.State!.Reported!["led"]!.GetValue<string>());
        Assert.Equal(10, after.State.Reported["interval"]!.GetValue<long>());
    }

    private static ShadowState ApplyReport(ShadowState? current, byte[] report)
    {
        var result = ShadowRules.Apply(current, ShadowRules.ParseUpdate(report, ShadowWriter.Device).Update!, T1);
        Assert.Null(result.Error);
        return result.State!;
    }
}
