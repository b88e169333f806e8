using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet.Formatter;

namespace IotAspire.IntegrationTests.Api;

/// <summary>Direct methods end to end: real devices on the broker, the worker's presence, two Api replicas.</summary>
[Collection(StackCollection.Name)]
public sealed class CommandsApiTests(StackFixture stack)
{
    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task InvokeCommand_OnlineDevice_ReturnsItsAnswer(MqttProtocolVersion version)
    {
        var credentials = await DeviceCredentials.RegisterAsync(stack, "cmd-answer");
        await using var device = await TestDevice.ConnectAsync(stack, credentials, version,
            (name, payload) => new JsonObject { ["status"] = 200, ["payload"] = new JsonObject { ["echo"] = payload?["n"]?.DeepClone(), ["name"] = name } });
        await ApiCalls.WaitForOnlineAsync(stack, credentials.Id);

        // Several calls: with two replicas behind the proxy, answers must reach whichever replica waits.
        for (var n = 1; n <= 4; n++)
        {
            var answer = await ApiCalls.InvokeAsync(stack, credentials.Id, "ping", new { payload = new { n }, timeoutSeconds = 10 });

            Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
            Assert.Equal(200, answer.Body.GetProperty("status").GetInt32());
            Assert.Equal(n, answer.Body.GetProperty("payload").GetProperty("echo").GetInt32());
            Assert.Equal("ping", answer.Body.GetProperty("payload").GetProperty("name").GetString());
        }

        lock (device.Commands)
        {
            Assert.Equal(4, device.Commands.Count);
            // MQTT 5 devices get the response topic; 3.1.1 devices answer on the plain topic.
            Assert.All(device.Commands, c => Assert.Equal(version == MqttProtocolVersion.V500, c.ResponseTopic is not null));
        }
    }

    [Fact]
    public async Task InvokeCommand_AnswerArrivesWhileTheApiReconnects_StillReturnsTheAnswer()
    {
        var credentials = await DeviceCredentials.RegisterAsync(stack, "cmd-reconnect");
        await using var broker = stack.BrokerAdmin();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The device drops the Api's broker connection (disabling its account disconnects it) before it answers, so the
        // answer reaches the broker while no Api replica is connected.
        await using var device = await TestDevice.ConnectAsync(stack, credentials, MqttProtocolVersion.V500, (_, _) =>
        {
            broker.DisableServiceAsync(Core.Mqtt.ServiceAccounts.ApiUsername, CancellationToken.None).GetAwaiter().GetResult();
            answered.TrySetResult();
            return new JsonObject { ["status"] = 200, ["payload"] = new JsonObject { ["after"] = "reconnect" } };
        });
        await ApiCalls.WaitForOnlineAsync(stack, credentials.Id);

        var call = ApiCalls.InvokeAsync(stack, credentials.Id, "ping", new { timeoutSeconds = 30 });
        try
        {
            await answered.Task.WaitAsync(TimeSpan.FromSeconds(15));
            await Task.Delay(TimeSpan.FromSeconds(1)); // The answer is in the broker, waiting for the Api's session.
        }
        finally
        {
            await broker.EnableServiceAsync(Core.Mqtt.ServiceAccounts.ApiUsername, CancellationToken.None);
        }

        var answer = await call;
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        Assert.Equal("reconnect", answer.Body.GetProperty("payload").GetProperty("after").GetString());
    }

    [Fact]
    public async Task InvokeCommand_OfflineDevice_Is404Problem()
    {
        var credentials = await DeviceCredentials.RegisterAsync(stack, "cmd-offline");

        var answer = await ApiCalls.InvokeAsync(stack, credentials.Id, "reboot", new { timeoutSeconds = 5 });

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal("Device offline", answer.Body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task InvokeCommand_DeviceWentOffline_Is404()
    {
        var credentials = await DeviceCredentials.RegisterAsync(stack, "cmd-gone");
        var device = await TestDevice.ConnectAsync(stack, credentials, MqttProtocolVersion.V500, (_, _) => new JsonObject { ["status"] = 200 });
        await ApiCalls.WaitForOnlineAsync(stack, credentials.Id);
        await device.DisposeAsync();
        await ApiCalls.WaitForOnlineAsync(stack, credentials.Id, online: false);

        var answer = await ApiCalls.InvokeAsync(stack, credentials.Id, "ping", new { timeoutSeconds = 5 });

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
    }

    [Fact]
    public async Task InvokeCommand_DeviceNeverAnswers_Is504AfterTheTimeout()
    {
        var credentials = await DeviceCredentials.RegisterAsync(stack, "cmd-silent");
        await using var device = await TestDevice.ConnectAsync(stack, credentials, MqttProtocolVersion.V500, answer: null);
        await ApiCalls.WaitForOnlineAsync(stack, credentials.Id);

        var clock = Stopwatch.StartNew();
        var answer = await ApiCalls.InvokeAsync(stack, credentials.Id, "reboot", new { payload = new { delay = 1 }, timeoutSeconds = 5 });
        clock.Stop();

        Assert.Equal(HttpStatusCode.GatewayTimeout, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.InRange(clock.Elapsed.TotalSeconds, 4.9, 9);
        lock (device.Commands)
        {
            Assert.Equal("reboot", Assert.Single(device.Commands).Name);
        }
    }

    [Theory]
    [InlineData("ping", 4)]
    [InlineData("ping", 301)]
    [InlineData("response", 30)]
    [InlineData("a+b", 30)]
    public async Task InvokeCommand_InvalidNameOrTimeout_Is400(string name, int timeoutSeconds)
    {
        var credentials = await DeviceCredentials.RegisterAsync(stack, "cmd-400");

        var answer = await ApiCalls.InvokeAsync(stack, credentials.Id, Uri.EscapeDataString(name), new { timeoutSeconds });

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
    }

    [Fact]
    public async Task ListDevices_ConnectedDevice_ShowsOnlineAndLastConnected()
    {
        var online = await DeviceCredentials.RegisterAsync(stack, "presence-list");
        var offline = await DeviceCredentials.RegisterAsync(stack, "presence-list");
        await using var device = await TestDevice.ConnectAsync(stack, online, MqttProtocolVersion.V311, answer: null);
        await ApiCalls.WaitForOnlineAsync(stack, online.Id);

        using var response = await stack.Api.GetAsync("/api/devices?search=t-presence-list-&limit=1000");
        var page = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var items = page.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);

        Assert.True(items[online.Id].GetProperty("online").GetBoolean());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, items[online.Id].GetProperty("lastConnected").ValueKind);
        Assert.False(items[offline.Id].GetProperty("online").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, items[offline.Id].GetProperty("lastConnected").ValueKind);
    }

    [Fact]
    public async Task ListDevices_StatusSortAndLatest_FilterOrderAndPageByKey()
    {
        var online = await DeviceCredentials.RegisterAsync(stack, "list-filter");
        var offline = await DeviceCredentials.RegisterAsync(stack, "list-filter");
        await using var device = await TestDevice.ConnectAsync(stack, online, MqttProtocolVersion.V311, answer: null);
        await ApiCalls.WaitForOnlineAsync(stack, online.Id);
        Assert.Equal(0, (await MosquittoCli.PublishAsync(stack, offline, $"devices/{offline.Id}/telemetry", """{"temperature":19.5}""")).ExitCode);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, offline.Id), count => count > 0, TimeSpan.FromSeconds(20), "telemetry");

        var onlineIds = await IdsAsync("/api/devices?search=t-list-filter-&status=online&limit=1000");
        var offlineIds = await IdsAsync("/api/devices?search=t-list-filter-&status=offline&limit=1000");
        Assert.Contains(online.Id, onlineIds);
        Assert.DoesNotContain(offline.Id, onlineIds);
        Assert.Contains(offline.Id, offlineIds);
        Assert.DoesNotContain(online.Id, offlineIds);

        // Most recently seen first, one per page, following 'next'.
        var first = await PageAsync($"/api/devices?search=t-list-filter-&sort=lastSeen&limit=1&latest=true");
        var second = await PageAsync($"/api/devices?search=t-list-filter-&sort=lastSeen&limit=1&latest=true&after={Uri.EscapeDataString(first.GetProperty("next").GetString()!)}");
        var newest = first.GetProperty("items")[0];
        Assert.NotEqual(newest.GetProperty("id").GetString(), second.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.True(newest.GetProperty("lastSeen").GetDateTime() >= second.GetProperty("items")[0].GetProperty("lastSeen").GetDateTime());
        var withValue = newest.GetProperty("id").GetString() == offline.Id ? newest : second.GetProperty("items")[0];
        Assert.Equal(19.5, withValue.GetProperty("latest")[0].GetProperty("lastValue").GetDouble());

        Assert.Equal(HttpStatusCode.BadRequest, (await stack.Api.GetAsync("/api/devices?sort=name&after=not-a-cursor")).StatusCode);
    }

    private async Task<System.Text.Json.JsonElement> PageAsync(string path)
    {
        using var response = await stack.Api.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<List<string>> IdsAsync(string path) =>
        (await PageAsync(path)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
}
