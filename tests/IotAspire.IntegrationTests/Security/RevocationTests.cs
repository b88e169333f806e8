using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet;

namespace IotAspire.IntegrationTests.Security;

/// <summary>DELETE /api/devices/{id}: the device is locked out at once, its data stays, taking it back is explicit.</summary>
[Collection(StackCollection.Name)]
public sealed class RevocationTests(StackFixture stack)
{
    [Fact]
    public async Task Revoke_ConnectedDevice_IsDisconnectedWithinASecondAndCannotReconnect()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "revoke-live");
        using var client = new MqttClientFactory().CreateMqttClient();
        var disconnected = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult(clock.Elapsed);
            return Task.CompletedTask;
        };
        var options = Options(device);
        Assert.Equal(MqttClientConnectResultCode.Success, (await client.ConnectAsync(options)).ResultCode);

        clock.Start();
        using var response = await stack.Api.DeleteAsync($"/api/devices/{device.Id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var after = await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(after < TimeSpan.FromSeconds(1), $"disconnected after {after.TotalMilliseconds:F0} ms");
        using var again = new MqttClientFactory().CreateMqttClient();
        var refused = await again.ConnectAsync(options);
        Assert.NotEqual(MqttClientConnectResultCode.Success, refused.ResultCode);
    }

    [Fact]
    public async Task Revoke_DeviceWithData_KeepsItReadableAndShowsRevoked()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "revoke-data");
        Assert.Equal(0, (await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"temperature":20.5}""")).ExitCode);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count == 1, TimeSpan.FromSeconds(10), "the point stored");

        Assert.Equal(HttpStatusCode.NoContent, (await stack.Api.DeleteAsync($"/api/devices/{device.Id}")).StatusCode);

        var shown = await ApiCalls.GetDeviceAsync(stack, device.Id);
        Assert.Equal(JsonValueKind.String, shown.Body.GetProperty("revokedAt").ValueKind);
        var telemetry = await stack.Api.GetFromJsonAsync<JsonElement>($"/api/devices/{device.Id}/telemetry?metric=temperature&interval=raw");
        Assert.Equal(20.5, telemetry.GetProperty("series")[0].GetProperty("points")[0].GetProperty("value").GetDouble());
        var published = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"temperature":99}""");
        Assert.NotEqual(0, published.ExitCode);
    }

    [Fact]
    public async Task Revoke_Twice_IsHarmless_AndUnknownDeviceIs404()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "revoke-twice");

        Assert.Equal(HttpStatusCode.NoContent, (await stack.Api.DeleteAsync($"/api/devices/{device.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await stack.Api.DeleteAsync($"/api/devices/{device.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stack.Api.DeleteAsync($"/api/devices/{DeviceCredentials.NewId("never")}")).StatusCode);
    }

    [Fact]
    public async Task ReRegistration_OfRevokedDevice_NeedsExplicitReinstate_WithNewPassword()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "revoke-back");
        Assert.Equal(HttpStatusCode.NoContent, (await stack.Api.DeleteAsync($"/api/devices/{device.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await stack.Api.PostAsJsonAsync("/api/devices", new { id = device.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await stack.Api.PostAsync($"/api/devices/{device.Id}/credentials", null)).StatusCode);
        using var reinstated = await stack.Api.PostAsync($"/api/devices/{device.Id}/reinstate", null);

        Assert.Equal(HttpStatusCode.OK, reinstated.StatusCode);
        var password = (await reinstated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mqtt").GetProperty("password").GetString()!;
        Assert.NotEqual(device.Password, password);
        Assert.NotEqual(0, (await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"t":1}""")).ExitCode);
        Assert.Equal(0, (await MosquittoCli.PublishAsync(stack, device with { Password = password }, $"devices/{device.Id}/telemetry", """{"t":1}""")).ExitCode);
        Assert.Equal(JsonValueKind.Null, (await ApiCalls.GetDeviceAsync(stack, device.Id)).Body.GetProperty("revokedAt").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, (await stack.Api.PostAsync($"/api/devices/{device.Id}/reinstate", null)).StatusCode);
    }

    [Fact]
    public async Task RotateAndRevoke_AtTheSameTime_ARevokedDeviceNeverKeepsAWorkingPassword()
    {
        // Rotation and revocation sent together, through both Api replicas, for several devices.
        var devices = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => DeviceCredentials.RegisterAsync(stack, "rotate-revoke")));

        var outcomes = await Task.WhenAll(devices.Select(async device =>
        {
            var rotate = stack.Api.PostAsync($"/api/devices/{device.Id}/credentials", null);
            var revoke = stack.Api.DeleteAsync($"/api/devices/{device.Id}");
            using var rotated = await rotate;
            using var revoked = await revoke;
            var password = rotated.StatusCode == HttpStatusCode.OK
                ? (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mqtt").GetProperty("password").GetString()
                : null;
            return (Device: device, Rotated: rotated.StatusCode, Revoked: revoked.StatusCode, Password: password);
        }));

        foreach (var (device, rotated, revoked, password) in outcomes)
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked);
            Assert.True(rotated is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{device.Id}: rotation answered {(int)rotated}");
            foreach (var candidate in new[] { device.Password, password }.OfType<string>())
            {
                Assert.NotEqual(MQTTnet.MqttClientConnectResultCode.Success, await BrokerLogin.TryAsync(stack, device.Username, candidate, device.Id));
            }
        }
    }

    private static MqttClientOptions Options(DeviceCredentials device) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer(device.Host, device.Port)
            .WithClientId(device.Username)
            .WithCredentials(device.Username, device.Password)
            .WithCleanSession()
            .Build();
}
