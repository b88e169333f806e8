using System.Text.Json.Nodes;
using IotAspire.Core.Protocol;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Shadows;

/// <summary>The device side of shadows over MQTT, with a real mosquitto client as the device.</summary>
[Collection(StackCollection.Name)]
public sealed class DeviceShadowTests(StackFixture stack)
{
    [Fact]
    public async Task Update_Reported_AcceptedWithVersion1AndMetadata_AndGetReturnsTheSameDocument()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-update");
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var accepted = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateAccepted(device.Id),
            """{"state":{"reported":{"led":"on","config":{"interval":5}}},"clientToken":"upd-1"}""");

        Assert.Equal(1, accepted["version"]!.GetValue<long>());
        Assert.Equal("upd-1", accepted["clientToken"]!.GetValue<string>());
        Assert.Equal("on", accepted["state"]!["reported"]!["led"]!.GetValue<string>());
        var ledTime = accepted["metadata"]!["reported"]!["led"]!["timestamp"]!.GetValue<long>();
        Assert.InRange(ledTime, before, before + 60);
        Assert.Equal(ledTime, accepted["metadata"]!["reported"]!["config"]!["interval"]!["timestamp"]!.GetValue<long>());

        var document = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Get(device.Id), ShadowTopics.GetAccepted(device.Id),
            """{"clientToken":"get-1"}""");

        Assert.Equal(1, document["version"]!.GetValue<long>());
        Assert.Equal("get-1", document["clientToken"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"reported":{"led":"on","config":{"interval":5}}}"""), document["state"]),
            document.ToJsonString());
        Assert.Equal(ledTime, document["metadata"]!["reported"]!["led"]!["timestamp"]!.GetValue<long>());
    }

    [Fact]
    public async Task Update_Twice_SecondIsVersion2AndMergesPartially()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-merge");
        await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateAccepted(device.Id),
            """{"state":{"reported":{"led":"on","mode":"eco","list":[1,2,3]}}}""");

        var accepted = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateAccepted(device.Id),
            """{"state":{"reported":{"mode":null,"list":[9]}},"version":1}""");
        var document = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Get(device.Id), ShadowTopics.GetAccepted(device.Id), "");

        Assert.Equal(2, accepted["version"]!.GetValue<long>());
        Assert.Equal(2, document["version"]!.GetValue<long>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"reported":{"led":"on","list":[9]}}"""), document["state"]), document.ToJsonString());
    }

    [Theory]
    [InlineData("""{"state":{"reported":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}},"clientToken":"bad-depth"}""", 400, "bad-depth")]
    [InlineData("""{"state":[],"clientToken":"bad-state"}""", 400, "bad-state")]
    [InlineData("""{"state":{"reported":{"led":"on"}},"version":99,"clientToken":"bad-version"}""", 409, "bad-version")]
    public async Task Update_Invalid_RejectedWithTheAwsErrorDocumentAndClientToken(string request, int code, string clientToken)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-reject");

        var rejected = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateRejected(device.Id), request);

        Assert.Equal(code, rejected["code"]!.GetValue<int>());
        Assert.Equal(clientToken, rejected["clientToken"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(rejected["message"]!.GetValue<string>()));
        Assert.InRange(rejected["timestamp"]!.GetValue<long>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var get = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Get(device.Id), ShadowTopics.GetRejected(device.Id), "");
        Assert.Equal(404, get["code"]!.GetValue<int>()); // nothing was stored
    }

    [Fact]
    public async Task Update_ReportedOver8KB_Rejected413()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-large");
        var request = new JsonObject
        {
            ["state"] = new JsonObject { ["reported"] = new JsonObject { ["blob"] = new string('x', 8 * 1024) } },
            ["clientToken"] = "too-big",
        }.ToJsonString();

        var rejected = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateRejected(device.Id), request);

        Assert.Equal(413, rejected["code"]!.GetValue<int>());
        Assert.Equal("too-big", rejected["clientToken"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_NoShadow_Rejected404WithClientToken()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-none");

        var rejected = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Get(device.Id), ShadowTopics.GetRejected(device.Id),
            """{"clientToken":"nothing-here"}""");

        Assert.Equal(404, rejected["code"]!.GetValue<int>());
        Assert.Equal("nothing-here", rejected["clientToken"]!.GetValue<string>());
        Assert.NotNull(rejected["message"]);
        Assert.NotNull(rejected["timestamp"]);
    }
}
