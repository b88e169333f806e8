using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Core.Protocol;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.IntegrationTests.Shadows;

/// <summary>
/// What a device that comes back finds: the retained delta of the shadow as stored, whatever the order in which the
/// worker and the Api replicas published; and a device request sent twice applied once.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RetainedDeltaTests(StackFixture stack)
{
    [Fact]
    public async Task ConcurrentAppPatchesAndDeviceReports_TheRetainedDeltaEndsAsTheStoredDelta()
    {
        // Several devices at once, so that the two Api replicas and the worker publish deltas of one shadow in overlapping turns.
        var devices = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => DeviceCredentials.RegisterAsync(stack, "delta-race")));

        await Task.WhenAll(devices.Select(RaceAsync));

        foreach (var device in devices)
        {
            await Eventually.ReturnsAsync(async () => (Stored: await StoredDeltaAsync(device), Retained: await RetainedDeltaAsync(device)),
                pair => JsonNode.DeepEquals(pair.Stored, pair.Retained),
                TimeSpan.FromSeconds(10), $"the retained delta of {device.Id} equal to its stored delta");
        }
    }

    [Fact]
    public async Task Update_SameRequestSentTwice_IsAppliedOnceAndAnsweredBothTimes()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-twice");
        const string request = """{"state":{"reported":{"led":"on"}},"clientToken":"sent-twice"}""";

        var first = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateAccepted(device.Id), request);
        var again = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateAccepted(device.Id), request);

        Assert.Equal(1, first["version"]!.GetValue<long>());
        Assert.Equal(1, again["version"]!.GetValue<long>());
        Assert.Equal("sent-twice", again["clientToken"]!.GetValue<string>());
        var document = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Get(device.Id), ShadowTopics.GetAccepted(device.Id), "");
        Assert.Equal(1, document["version"]!.GetValue<long>());

        // Another request with the same token but new content is a new request.
        var next = await MosquittoDevice.RequestAsync(stack, device, ShadowTopics.Update(device.Id), ShadowTopics.UpdateAccepted(device.Id),
            """{"state":{"reported":{"led":"off"}},"clientToken":"sent-twice"}""");
        Assert.Equal(2, next["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task PatchShadow_CallerHangsUpRightAfterSending_EveryStoredUpdateReachesTheDevice()
    {
        // The caller goes away at different moments after its request is out: whatever was stored must be told to the device.
        var delays = new[] { 0, 1, 2, 5, 10, 20 };
        var devices = await Task.WhenAll(delays.Select(_ => DeviceCredentials.RegisterAsync(stack, "shadow-hangup")));
        var token = await stack.Tokens.GetAsync("admin");

        await Task.WhenAll(devices.Zip(delays).Select(pair => PatchAndHangUpAsync(pair.First, token, pair.Second)));

        var stored = 0;
        foreach (var device in devices)
        {
            // Stored or not, decided by now (a stored update is answered within milliseconds).
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            if (await StoredDeltaAsync(device) is not { } delta)
            {
                continue;
            }

            stored++;
            Assert.Equal("blue", delta["led"]!.GetValue<string>());
            await Eventually.ReturnsAsync(() => RetainedDeltaAsync(device), retained => JsonNode.DeepEquals(retained, delta),
                TimeSpan.FromSeconds(10), $"the retained delta of {device.Id} published");
        }

        Assert.True(stored > 0, "no update was stored at all: the test proved nothing");
    }

    private async Task PatchAndHangUpAsync(DeviceCredentials device, string token, int delayMilliseconds)
    {
        var body = Encoding.UTF8.GetBytes("""{"state":{"desired":{"led":"blue"}}}""");
        using var socket = new TcpClient();
        await socket.ConnectAsync(stack.ApiAddress.Host, stack.ApiAddress.Port);
        var head = $"PATCH /api/devices/{device.Id}/shadow HTTP/1.1\r\nHost: {stack.ApiAddress.Authority}\r\n"
            + $"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head).Concat(body).ToArray());
        await stream.FlushAsync();
        await Task.Delay(delayMilliseconds);
        socket.Client.Close(0); // Gone before any answer, without a goodbye (RST).
    }

    /// <summary>A device reporting and an app changing desired, 30 times each, interleaved.</summary>
    private async Task RaceAsync(DeviceCredentials device)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(stack.Broker.Host, stack.Broker.Port)
            .WithClientId(device.Username)
            .WithCredentials(device.Username, device.Password)
            .Build());
        var reports = Enumerable.Range(0, 30).Select(i => client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(ShadowTopics.Update(device.Id))
            .WithPayload(State("reported", i % 3, i % 2 == 0 ? "eco" : "boost"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build()));
        var patches = Enumerable.Range(0, 30).Select(i => ApiCalls.PatchShadowAsync(stack, device.Id,
            State("desired", (i * 7) % 3, i % 3 == 0 ? "eco" : "boost")));
        await Task.WhenAll(reports.Cast<Task>().Concat(patches));
        await client.DisconnectAsync();
    }

    private static string State(string section, int level, string mode) =>
        new JsonObject { ["state"] = new JsonObject { [section] = new JsonObject { ["level"] = level, ["mode"] = mode } } }.ToJsonString();

    private async Task<JsonNode?> StoredDeltaAsync(DeviceCredentials device)
    {
        var answer = await ApiCalls.GetShadowAsync(stack, device.Id);
        if (answer.Status != HttpStatusCode.OK)
        {
            return null;
        }

        return answer.Body.GetProperty("state").TryGetProperty("delta", out var delta) ? JsonNode.Parse(delta.GetRawText()) : null;
    }

    /// <summary>The state of the retained delta a device gets when it subscribes (null: none retained).</summary>
    private async Task<JsonNode?> RetainedDeltaAsync(DeviceCredentials device)
    {
        var result = await ProcessRunner.RunAsync("mosquitto_sub",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", device.Password, "-i", device.Username,
            "-q", "1", "-t", ShadowTopics.UpdateDelta(device.Id), "--retained-only", "-C", "1", "-W", "1",
        ]);
        return result.Output.Trim().Length == 0 ? null : JsonNode.Parse(result.Output)!["state"];
    }
}
