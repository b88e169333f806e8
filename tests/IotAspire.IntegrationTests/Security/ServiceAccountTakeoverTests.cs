using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet;

namespace IotAspire.IntegrationTests.Security;

/// <summary>
/// The attack as an attacker would write it: with nothing but the fleet claim (or an admin token used carelessly), ask
/// for a "device" named like a service account, with a password of one's choosing, then log in as that service.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ServiceAccountTakeoverTests(StackFixture stack)
{
    private const string AttackerPassword = "attacker-chosen-password-123";

    public static TheoryData<string> ReservedNames =>
    [
        ServiceAccounts.AdminUsername, ServiceAccounts.WorkerUsername, ServiceAccounts.ApiUsername, ServiceAccounts.FleetClaimUsername,
        "migrations", "archiver", "dashboard", "gateway", "identity", "svc-billing", "DeviceWorker", "ADMIN", "dynsec-admin2",
    ];

    [Theory]
    [MemberData(nameof(ReservedNames))]
    public async Task FleetClaim_RequestForAReservedName_IsRejected400AndTheAccountIsUnchanged(string name)
    {
        var answer = await ClaimAsync(name, AttackerPassword);

        Assert.Equal("rejected", answer["status"]!.GetValue<string>());
        Assert.Equal(400, answer["code"]!.GetValue<int>());
        Assert.Contains("reserved", answer["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertServiceAccountsUnchangedAsync(name);
    }

    [Theory]
    [MemberData(nameof(ReservedNames))]
    public async Task Api_RegisterAReservedName_IsRejected400AndTheAccountIsUnchanged(string name)
    {
        using var response = await stack.Api.PostAsJsonAsync("/api/devices", new { id = name });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("reserved", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var read = await stack.Api.GetAsync($"/api/devices/{name}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        await AssertServiceAccountsUnchangedAsync(name);
    }

    [Fact]
    public async Task EveryAttack_ThenARealDevice_ItsTelemetryIsStored()
    {
        foreach (var name in new[] { ServiceAccounts.WorkerUsername, ServiceAccounts.ApiUsername, ServiceAccounts.AdminUsername })
        {
            await ClaimAsync(name, AttackerPassword);
        }

        var device = await DeviceCredentials.RegisterAsync(stack, "after-attack");
        var sent = await MosquittoCli.PublishAsync(stack, device, DeviceTopics.Telemetry(device.Id), """{"ts":"2026-11-26T10:00:00Z","temperature":21.5}""");
        Assert.True(sent.ExitCode == 0, sent.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count == 1,
            TimeSpan.FromSeconds(15), "the real device's telemetry stored after the attacks");
        await AssertServiceAccountsUnchangedAsync(ServiceAccounts.WorkerUsername);
    }

    [Fact]
    public async Task BrokerAccounts_DeviceCallsOnAServiceAccount_AreRefusedAndChangeNothing()
    {
        await using var broker = stack.BrokerAdmin();

        // The reserved rule, and under it the account's kind: each stops a device call on its own.
        await Assert.ThrowsAsync<AccountKindException>(() => broker.UpsertDeviceAsync(ServiceAccounts.WorkerUsername, AttackerPassword, default));
        await Assert.ThrowsAsync<AccountKindException>(() => broker.DisableDeviceAsync(ServiceAccounts.ApiUsername, default));

        await AssertServiceAccountsUnchangedAsync(ServiceAccounts.WorkerUsername);
        Assert.Equal(MqttClientConnectResultCode.Success, await BrokerLogin.TryAsync(stack, ServiceAccounts.ApiUsername, stack.BrokerApiPassword));
    }

    [Fact]
    public async Task BrokerAccounts_DeviceCallOnAnAccountWithoutItsDeviceRole_IsRefused()
    {
        // An account of an unreserved name that registration did not create (made by hand with the broker's own tool).
        var name = DeviceCredentials.NewId("handmade");
        var created = await ProcessRunner.RunAsync("mosquitto_ctrl",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", ServiceAccounts.AdminUsername, "-P", stack.BrokerAdminPassword,
            "dynsec", "createClient", name, "-p", "handmade-password",
        ]);
        Assert.True(created.ExitCode == 0, created.Output + created.Error);
        await using var broker = stack.BrokerAdmin();

        await Assert.ThrowsAsync<AccountKindException>(() => broker.UpsertDeviceAsync(name, AttackerPassword, default));

        Assert.Equal(MqttClientConnectResultCode.Success, await BrokerLogin.TryAsync(stack, name, "handmade-password"));
        Assert.NotEqual(MqttClientConnectResultCode.Success, await BrokerLogin.TryAsync(stack, name, AttackerPassword));
    }

    [Fact]
    public async Task BrokerAccounts_ServiceCallOnAnUnreservedName_IsRefused()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "not-a-service");
        await using var broker = stack.BrokerAdmin();

        await Assert.ThrowsAsync<AccountKindException>(() => broker.SetServicePasswordAsync(device.Id, AttackerPassword, default));
        await Assert.ThrowsAsync<AccountKindException>(() => broker.UpsertServiceAsync(device.Id, AttackerPassword, ServiceAccounts.WorkerAcls, default));

        Assert.Equal(MqttClientConnectResultCode.Success, await BrokerLogin.TryAsync(stack, device.Username, device.Password, device.Id));
    }

    [Fact]
    public async Task BrokerAccounts_ServiceAclsChanged_TheRoleHoldsExactlyTheNewOnes()
    {
        var name = ReservedAccountNames.ServicePrefix + DeviceCredentials.NewId("acl");
        await using var broker = stack.BrokerAdmin();
        await broker.UpsertServiceAsync(name, "first-password-1234", [BrokerAcl.Subscribe("a/#"), BrokerAcl.PublishSend("b/#")], default);

        BrokerAcl[] replaced = [BrokerAcl.Subscribe("a/#"), BrokerAcl.PublishSend("c/#"), new BrokerAcl("publishClientReceive", "a/#", Allow: false, Priority: 5)];
        await broker.UpsertServiceAsync(name, "second-password-1234", replaced, default);

        var acls = await broker.CurrentAclsAsync(DynamicSecurityClient.ServiceRoleName(name), default);
        Assert.Equal(replaced.OrderBy(a => a.Topic + a.AclType), acls.OrderBy(a => a.Topic + a.AclType));
    }

    /// <summary>The attacker's password opens nothing; each service account still takes its own.</summary>
    private async Task AssertServiceAccountsUnchangedAsync(string attacked)
    {
        Assert.NotEqual(MqttClientConnectResultCode.Success, await BrokerLogin.TryAsync(stack, attacked, AttackerPassword));
        var accounts = new Dictionary<string, string>
        {
            [ServiceAccounts.AdminUsername] = stack.BrokerAdminPassword,
            [ServiceAccounts.WorkerUsername] = stack.BrokerWorkerPassword,
            [ServiceAccounts.ApiUsername] = stack.BrokerApiPassword,
            [ServiceAccounts.FleetClaimUsername] = stack.FleetClaimPassword,
        };
        foreach (var (username, password) in accounts)
        {
            Assert.Equal(MqttClientConnectResultCode.Success, await BrokerLogin.TryAsync(stack, username, password));
        }
    }

    /// <summary>The claim's request and its answer, on one connection, as a device sends it (mosquitto_rr).</summary>
    private async Task<JsonObject> ClaimAsync(string id, string password)
    {
        var result = await ProcessRunner.RunAsync("mosquitto_rr",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", ServiceAccounts.FleetClaimUsername, "-P", stack.FleetClaimPassword, "-i", $"claim-{Guid.NewGuid():N}",
            "-q", "1", "-t", ProvisioningTopics.Request(id), "-e", ProvisioningTopics.Response(id), "-W", "15",
            "-m", JsonSerializer.Serialize(new { password, name = "totally a device" }),
        ]);
        Assert.True(result.ExitCode == 0 && result.Output.Length > 0, $"No provisioning answer for '{id}' (exit {result.ExitCode}): {result.Error}");
        return JsonNode.Parse(result.Output)!.AsObject();
    }
}
