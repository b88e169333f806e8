using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Devices;

/// <summary>
/// Fleet provisioning by claim, with the real mosquitto clients as the device: mosquitto_rr subscribes to the answer
/// topic and then sends the request on one connection, as a device holding the claim must.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class FleetProvisioningTests(StackFixture stack)
{
    [Fact]
    public async Task Provision_NewDevice_IsAcceptedAndItsOwnCredentialsStoreTelemetry()
    {
        var id = DeviceCredentials.NewId("claim");
        var password = NewDevicePassword();

        var answer = await RequestAsync(id, Request(password, name: "Claimed sensor", clientToken: "tok-1"));

        Assert.Equal("accepted", answer["status"]!.GetValue<string>());
        Assert.Equal(id, answer["deviceId"]!.GetValue<string>());
        Assert.Equal("tok-1", answer["clientToken"]!.GetValue<string>());
        Assert.DoesNotContain(password, answer.ToJsonString(), StringComparison.Ordinal);

        var device = Device(id, password);
        var sent = await MosquittoCli.PublishAsync(stack, device, DeviceTopics.Telemetry(id), """{"ts":"2026-11-26T10:00:00Z","temperature":21.5}""");
        Assert.True(sent.ExitCode == 0, sent.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, id, "temperature"), count => count == 1,
            TimeSpan.FromSeconds(15), "the provisioned device's telemetry was stored");

        using var read = await stack.Api.GetAsync($"/api/devices/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var json = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal("Claimed sensor", json.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task ClaimCredential_PublishTelemetry_IsRefusedAndNothingIsStored()
    {
        var id = DeviceCredentials.NewId("claim-pub");
        var password = NewDevicePassword();
        Assert.Equal("accepted", (await RequestAsync(id, Request(password)))["status"]!.GetValue<string>());

        // MQTT 5, QoS 1: the broker answers the claim's publish with PUBACK 0x87 (not authorized).
        var refused = await MosquittoCli.PublishAsync(stack, Claim(), DeviceTopics.Telemetry(id),
            """{"ts":"2026-11-26T10:00:00Z","fromclaim":1}""", clientId: $"claim-{id}");
        Assert.Contains("not authori", refused.Output + refused.Error, StringComparison.OrdinalIgnoreCase);

        // The device's own message after it is stored; the claim's never is.
        var own = await MosquittoCli.PublishAsync(stack, Device(id, password), DeviceTopics.Telemetry(id),
            """{"ts":"2026-11-26T10:00:01Z","fromdevice":1}""");
        Assert.True(own.ExitCode == 0, own.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, id, "fromdevice"), count => count == 1,
            TimeSpan.FromSeconds(15), "the device's own telemetry was stored");
        Assert.Equal(0, await Database.CountTelemetryAsync(stack, id, "fromclaim"));
    }

    [Fact]
    public async Task ClaimCredential_SubscribeDeviceTopics_ReceivesNothing()
    {
        var id = DeviceCredentials.NewId("claim-sub");
        var password = NewDevicePassword();
        Assert.Equal("accepted", (await RequestAsync(id, Request(password)))["status"]!.GetValue<string>());
        // A retained message that any allowed subscriber of devices/# would get at once.
        var retained = await ProcessRunner.RunAsync("mosquitto_pub",
        [
            .. BrokerArgs(id, password, id), "-V", "mqttv5", "-q", "1", "-r", "-t", DeviceTopics.Status(id), "-m", """{"online":true}""",
        ]);
        Assert.True(retained.ExitCode == 0, retained.Error);
        var asDevice = await SubscribeOnceAsync(id, password, id, DeviceTopics.Status(id));
        Assert.Contains("online", asDevice.Output, StringComparison.Ordinal); // The probe can see the message at all.

        var asClaim = await SubscribeOnceAsync(ServiceAccounts.FleetClaimUsername, stack.FleetClaimPassword, $"claim-{id}", "devices/#");

        Assert.Equal("", asClaim.Output.Trim());
    }

    [Fact]
    public async Task Provision_IdAlreadyRegistered_Returns409AndTheFirstPasswordStillWorks()
    {
        var id = DeviceCredentials.NewId("claim-twice");
        var first = NewDevicePassword();
        Assert.Equal("accepted", (await RequestAsync(id, Request(first)))["status"]!.GetValue<string>());

        var second = NewDevicePassword();
        var answer = await RequestAsync(id, Request(second, clientToken: "again"));

        Assert.Equal("rejected", answer["status"]!.GetValue<string>());
        Assert.Equal(409, answer["code"]!.GetValue<int>());
        Assert.Equal("again", answer["clientToken"]!.GetValue<string>());
        Assert.Equal(0, (await MosquittoCli.PublishAsync(stack, Device(id, first), DeviceTopics.Status(id), """{"online":true}""")).ExitCode);
        var withSecond = await MosquittoCli.PublishAsync(stack, Device(id, second), DeviceTopics.Status(id), """{"online":true}""");
        Assert.Contains("not authori", withSecond.Output + withSecond.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Provision_IdRegisteredByAnAdmin_Returns409()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "claim-admin");

        var answer = await RequestAsync(device.Id, Request(NewDevicePassword()));

        Assert.Equal(409, answer["code"]!.GetValue<int>());
        Assert.Equal(0, (await MosquittoCli.PublishAsync(stack, device, DeviceTopics.Status(device.Id), """{"online":true}""")).ExitCode);
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { "bad id", """{"password":"0123456789abcdef"}""" },
        { new string('x', DeviceId.MaxLength + 1), """{"password":"0123456789abcdef"}""" },
        { "ok-id", """{"password":"too-short"}""" },
        { "ok-id", """{"password":123456789012345678}""" },
        { "ok-id", """{"name":"no password"}""" },
        { "ok-id", "not json" },
        { "ok-id", """["password"]""" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Provision_BadRequest_IsRejectedWith400AndNothingIsRegistered(string idShape, string payload)
    {
        // "ok-id" stands for a fresh valid id, so a test run never collides with another.
        var id = idShape == "ok-id" ? DeviceCredentials.NewId("claim-bad") : idShape;

        var answer = await RequestAsync(id, payload, clientId: $"claim-bad-{Guid.NewGuid():N}");

        Assert.Equal("rejected", answer["status"]!.GetValue<string>());
        Assert.Equal(400, answer["code"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(answer["message"]!.GetValue<string>()));
        if (DeviceId.IsValid(id))
        {
            using var read = await stack.Api.GetAsync($"/api/devices/{id}");
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        }
    }

    [Fact]
    public async Task FleetClaim_DisabledThenEnabled_RefusesThenAcceptsTheClaim()
    {
        using (var disabled = await stack.Api.PostAsync("/api/fleet-claim/disable", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        }

        try
        {
            var refused = await RequestRawAsync(DeviceCredentials.NewId("claim-off"), Request(NewDevicePassword()), stack.FleetClaimPassword, timeoutSeconds: 3);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("not authori", refused.Output + refused.Error, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            using var enabled = await stack.Api.PostAsync("/api/fleet-claim/enable", null);
            Assert.Equal(HttpStatusCode.NoContent, enabled.StatusCode);
        }

        var answer = await RequestAsync(DeviceCredentials.NewId("claim-on"), Request(NewDevicePassword()));
        Assert.Equal("accepted", answer["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task FleetClaim_Rotated_RefusesTheOldPasswordAndAcceptsTheNewOne()
    {
        var old = stack.FleetClaimPassword;

        using var rotated = await stack.Api.PostAsync("/api/fleet-claim/rotate", null);
        var body = await rotated.Content.ReadAsStringAsync();
        Assert.True(rotated.StatusCode == HttpStatusCode.OK, body);
        var mqtt = JsonNode.Parse(body)!["mqtt"]!;
        var fresh = mqtt["password"]!.GetValue<string>();
        Assert.Equal(ServiceAccounts.FleetClaimUsername, mqtt["username"]!.GetValue<string>());
        Assert.NotEqual(old, fresh);
        stack.FleetClaimPassword = fresh; // Whatever happens below, later tests use the claim as it now is.

        var withOld = await RequestRawAsync(DeviceCredentials.NewId("claim-old"), Request(NewDevicePassword()), old, timeoutSeconds: 3);
        Assert.Contains("not authori", withOld.Output + withOld.Error, StringComparison.OrdinalIgnoreCase);
        var answer = await RequestAsync(DeviceCredentials.NewId("claim-new"), Request(NewDevicePassword()));
        Assert.Equal("accepted", answer["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Simulator_WithTheFleetClaim_ItsDevicesProvisionThemselvesAndSendTelemetry()
    {
        var prefix = $"t-sim-{Environment.ProcessId}-{Random.Shared.Next(1000, 9999)}-";

        var log = await RunSimulatorAsync(prefix, minimumCount: 1);

        Assert.Contains($"Device {prefix}0001 provisioned itself with the fleet claim", log, StringComparison.Ordinal);
        Assert.Contains($"Device {prefix}0002 provisioned itself with the fleet claim", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulator_RestartedWithItsDevicesRegistered_EveryDeviceIsBackWithNewCredentials()
    {
        // What a demo restart with a kept data folder is: the devices are registered, their passwords are gone.
        var prefix = $"t-simre-{Environment.ProcessId}-{Random.Shared.Next(1000, 9999)}-";
        await RunSimulatorAsync(prefix, minimumCount: 1);
        var before = await Task.WhenAll(DeviceIds(prefix).Select(id => Database.CountTelemetryAsync(stack, id)));

        var log = await RunSimulatorAsync(prefix, minimumCount: before.Max() + 2);

        Assert.DoesNotContain("is skipped", log, StringComparison.Ordinal);
        foreach (var id in DeviceIds(prefix))
        {
            Assert.Contains($"Device {id} is already registered", log, StringComparison.Ordinal);
        }
    }

    private static string[] DeviceIds(string prefix) => [prefix + "0001", prefix + "0002"];

    /// <summary>Runs the simulator's two devices until each has at least <paramref name="minimumCount"/> points stored; returns its log.</summary>
    private async Task<string> RunSimulatorAsync(string prefix, long minimumCount)
    {
        await using var simulator = SimulatorProcess.Start(stack, prefix, devices: 2);
        foreach (var id in DeviceIds(prefix))
        {
            await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, id), count => count >= minimumCount,
                TimeSpan.FromSeconds(30), $"telemetry of the simulated device {id}");
        }

        return await simulator.StopAsync();
    }

    private static string Request(string password, string? name = null, string? clientToken = null) =>
        JsonSerializer.Serialize(new { password, name, clientToken });

    private static string NewDevicePassword() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    private DeviceCredentials Device(string id, string password) => new(id, stack.Broker.Host, stack.Broker.Port, id, password);

    private DeviceCredentials Claim() =>
        new("claim", stack.Broker.Host, stack.Broker.Port, ServiceAccounts.FleetClaimUsername, stack.FleetClaimPassword);

    /// <summary>The claim's request for <paramref name="id"/> and the answer, as a device sends it (client id = its id).</summary>
    private async Task<JsonObject> RequestAsync(string id, string payload, string? clientId = null)
    {
        var result = await RequestRawAsync(id, payload, stack.FleetClaimPassword, timeoutSeconds: 15, clientId);
        Assert.True(result.ExitCode == 0 && result.Output.Length > 0,
            $"No provisioning answer for '{id}' (exit {result.ExitCode}): {result.Error}");
        return JsonNode.Parse(result.Output)!.AsObject();
    }

    private Task<ProcessRunner.Result> RequestRawAsync(string id, string payload, string claimPassword, int timeoutSeconds, string? clientId = null) =>
        ProcessRunner.RunAsync("mosquitto_rr",
        [
            .. BrokerArgs(ServiceAccounts.FleetClaimUsername, claimPassword, clientId ?? id),
            "-q", "1", "-t", ProvisioningTopics.Request(id), "-e", ProvisioningTopics.Response(id),
            "-W", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "-m", payload,
        ]);

    /// <summary>The first message on <paramref name="topic"/> within two seconds (empty output when none came).</summary>
    private Task<ProcessRunner.Result> SubscribeOnceAsync(string username, string password, string clientId, string topic) =>
        ProcessRunner.RunAsync("mosquitto_sub",
        [
            .. BrokerArgs(username, password, clientId), "-V", "mqttv5", "-q", "1", "-t", topic, "-C", "1", "-W", "2",
        ]);

    private string[] BrokerArgs(string username, string password, string clientId) =>
    [
        "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
        "-u", username, "-P", password, "-i", clientId,
    ];
}
