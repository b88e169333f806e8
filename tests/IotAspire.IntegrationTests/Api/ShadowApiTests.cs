using System.Net;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Api;

/// <summary>The app side of the shadow over HTTP, with the real stack (Redis, broker, two Api replicas).</summary>
[Collection(StackCollection.Name)]
public sealed class ShadowApiTests(StackFixture stack)
{
    [Fact]
    public async Task GetShadow_UnknownDevice_Is404Problem()
    {
        var answer = await ApiCalls.GetShadowAsync(stack, DeviceCredentials.NewId("shadow-unknown"));

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal("Device not found", answer.Body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task PatchShadow_UnknownDevice_Is404AndCreatesNoShadow()
    {
        var id = DeviceCredentials.NewId("shadow-unknown");

        var answer = await ApiCalls.PatchShadowAsync(stack, id, """{"state":{"desired":{"led":true}}}""");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await ApiCalls.GetShadowAsync(stack, id)).Status);
    }

    [Fact]
    public async Task PatchShadow_Desired_IsReadBackWithDeltaMetadataAndETag()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-get");
        Assert.Equal(HttpStatusCode.NotFound, (await ApiCalls.GetShadowAsync(stack, device.Id)).Status);

        var patched = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"led":true,"cfg":{"interval":5}}},"clientToken":"tok-1"}""");
        var read = await ApiCalls.GetShadowAsync(stack, device.Id);

        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal("\"1\"", patched.ETag);
        Assert.Equal(1, patched.Body.GetProperty("version").GetInt64());
        Assert.Equal("tok-1", patched.Body.GetProperty("clientToken").GetString());
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("\"1\"", read.ETag);
        var state = read.Body.GetProperty("state");
        Assert.True(state.GetProperty("desired").GetProperty("led").GetBoolean());
        Assert.Equal(5, state.GetProperty("delta").GetProperty("cfg").GetProperty("interval").GetInt32());
        Assert.False(state.TryGetProperty("reported", out _));
        Assert.True(read.Body.GetProperty("metadata").GetProperty("desired").GetProperty("cfg").GetProperty("interval").GetProperty("timestamp").GetInt64() > 1_700_000_000);
        Assert.Equal(1, read.Body.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task PatchShadow_IfMatchCurrentThenStale_AcceptsThen409()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-ifmatch");
        await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"a":1}}}""");

        var current = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"a":2}}}""", ifMatch: "\"1\"");
        var stale = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"a":3}}}""", ifMatch: "\"1\"");

        Assert.Equal(HttpStatusCode.OK, current.Status);
        Assert.Equal("\"2\"", current.ETag);
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal("application/problem+json", stale.ContentType);
        Assert.Equal(409, stale.Body.GetProperty("code").GetInt32());
        var read = await ApiCalls.GetShadowAsync(stack, device.Id);
        Assert.Equal(2, read.Body.GetProperty("state").GetProperty("desired").GetProperty("a").GetInt32());
    }

    [Fact]
    public async Task PatchShadow_StaleBodyVersion_Is409WithClientToken()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-version");
        await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"a":1}}}""");
        await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"a":2}}}""");

        var stale = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"a":9}},"version":1,"clientToken":"c-9"}""");
        var matching = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"a":3}},"version":2}""");

        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal("c-9", stale.Body.GetProperty("clientToken").GetString());
        Assert.Equal(HttpStatusCode.OK, matching.Status);
        Assert.Equal(3, matching.Body.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task PatchShadow_NineKilobytesDesired_Is413()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-413");
        var body = JsonSerializer.Serialize(new { state = new { desired = new { blob = new string('x', 9 * 1024) } } });

        var answer = await ApiCalls.PatchShadowAsync(stack, device.Id, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(HttpStatusCode.NotFound, (await ApiCalls.GetShadowAsync(stack, device.Id)).Status);
    }

    [Theory]
    [InlineData("""{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}""", "nesting")]
    [InlineData("""{"state":[]}""", "object")]
    [InlineData("""{"state":{"reported":{"led":true}}}""", "desired")]
    [InlineData("""{"state":{"desired":{"a":1},"reported":{"a":1}}}""", "desired")]
    [InlineData("""not json""", "JSON")]
    public async Task PatchShadow_InvalidUpdate_Is400Problem(string body, string reason)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-400");

        var answer = await ApiCalls.PatchShadowAsync(stack, device.Id, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Contains(reason, answer.Body.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await ApiCalls.GetShadowAsync(stack, device.Id)).Status);
    }

    [Fact]
    public async Task PatchShadow_WhileDeviceOffline_DeviceGetsRetainedDeltaWhenItConnects()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-offline");
        var patched = await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"led":true,"interval":10}}}""");
        Assert.Equal(HttpStatusCode.OK, patched.Status);

        // The device was never connected; it connects now (mosquitto_sub as the device) and gets the outstanding delta.
        var delta = await MosquittoSubAsync(device, $"devices/{device.Id}/shadow/update/delta", waitSeconds: 10);

        Assert.True(delta.ExitCode == 0, $"mosquitto_sub exited {delta.ExitCode}: {delta.Error}");
        using var message = JsonDocument.Parse(delta.Output);
        Assert.Equal(1, message.RootElement.GetProperty("version").GetInt64());
        Assert.True(message.RootElement.GetProperty("state").GetProperty("led").GetBoolean());
        Assert.Equal(10, message.RootElement.GetProperty("state").GetProperty("interval").GetInt32());
    }

    [Fact]
    public async Task PatchShadow_DeviceReportsTheDesiredState_DeltaDisappearsAndRetainedDeltaIsCleared()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-converge");
        await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"led":true}}}""");

        var reported = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/shadow/update", """{"state":{"reported":{"led":true}}}""");
        Assert.Equal(0, reported.ExitCode);

        var read = await Eventually.ReturnsAsync(
            () => ApiCalls.GetShadowAsync(stack, device.Id),
            answer => answer.Body.GetProperty("version").GetInt64() == 2,
            TimeSpan.FromSeconds(10),
            "the worker applied the reported state");
        Assert.False(read.Body.GetProperty("state").TryGetProperty("delta", out _));
        Assert.True(read.Body.GetProperty("state").GetProperty("reported").GetProperty("led").GetBoolean());
        // Nothing retained any more: a subscriber gets no delta (mosquitto_sub -W gives up with exit code 27).
        // The worker clears it right after storing the new version, so allow it a moment.
        var delta = await Eventually.ReturnsAsync(
            () => MosquittoSubAsync(device, $"devices/{device.Id}/shadow/update/delta", waitSeconds: 1),
            answer => answer.Output.Trim().Length == 0,
            TimeSpan.FromSeconds(10),
            "the retained delta was cleared");
        Assert.Equal("", delta.Output.Trim());
    }

    private Task<ProcessRunner.Result> MosquittoSubAsync(DeviceCredentials device, string topic, int waitSeconds) =>
        ProcessRunner.RunAsync("mosquitto_sub",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", device.Password, "-i", device.Username,
            "-V", "mqttv311", "-q", "1", "-t", topic, "-C", "1", "-W", waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]);
}
