using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.Core.Mqtt;

/// <summary>
/// Talks to Mosquitto's dynamic-security plugin over its control topic. One long-lived admin connection;
/// responses are matched to requests by <c>correlationData</c>, so concurrent callers (and other replicas
/// listening on the same response topic) never see each other's answers.
/// </summary>
public sealed class DynamicSecurityClient : IBrokerAccounts, IAsyncDisposable
{
    private const string ControlTopic = "$CONTROL/dynamic-security/v1";
    private const string ResponseTopic = ControlTopic + "/response";
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    private readonly MqttBrokerAddress _broker;
    private readonly ILogger<DynamicSecurityClient> _logger;
    private readonly ResilientMqttClient _connection;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new();

    public DynamicSecurityClient(MqttBrokerAddress broker, IOptions<MqttAdminOptions> options, ILogger<DynamicSecurityClient> logger)
    {
        _broker = broker;
        _logger = logger;
        var admin = options.Value;
        var clientOptions = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithCredentials(admin.Username, admin.Password)
            .WithClientId($"dynsec-{Environment.MachineName}-{Guid.NewGuid():N}")
            .WithCleanStart()
            .Build();
        // Connected on first use and again after a drop, one attempt per command: the caller gets the error.
        _connection = new ResilientMqttClient(
            $"dynamic-security control topic at {broker.Host}:{broker.Port}",
            () => clientOptions,
            MqttReconnectBackoff.Service(TimeSpan.FromSeconds(1)),
            logger)
        {
            Connected = (_, cancellationToken) => _connection!.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(ResponseTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                cancellationToken),
        };
        _connection.Client.ApplicationMessageReceivedAsync += OnResponseAsync;
    }

    public static string DeviceRoleName(string deviceId) => "device-" + deviceId;

    public static string ServiceRoleName(string username) => "service-" + username;

    public async Task UpsertDeviceAsync(string deviceId, string password, CancellationToken cancellationToken)
    {
        if (ReservedAccountNames.DeviceIdError(deviceId) is { } error)
        {
            throw new AccountKindException($"Refused to create or change a device account: {error}");
        }

        // Checked before anything is written: an existing account must be this device's, never a service's.
        var existing = await GetClientAsync(deviceId, cancellationToken);
        RequireDeviceClient(deviceId, existing);
        var role = DeviceRoleName(deviceId);
        await UpsertRoleAsync(role, DeviceAcls(deviceId), cancellationToken);
        if (existing is null && await TryCreateClientAsync(deviceId, password, role, deviceId, textDescription: null, cancellationToken))
        {
            return;
        }

        // It exists (or was created concurrently): look again, then set the password and let it in.
        RequireDeviceClient(deviceId, existing ?? await GetClientAsync(deviceId, cancellationToken));
        await CommandAsync(new JsonObject { ["command"] = "setClientPassword", ["username"] = deviceId, ["password"] = password }, cancellationToken);
        await CommandAsync(new JsonObject { ["command"] = "enableClient", ["username"] = deviceId }, cancellationToken);
    }

    public async Task DisableDeviceAsync(string deviceId, CancellationToken cancellationToken)
    {
        var existing = await GetClientAsync(deviceId, cancellationToken)
            ?? throw new BrokerAccountException($"The broker has no account '{deviceId}'.");
        RequireDeviceClient(deviceId, existing);
        await CommandAsync(new JsonObject { ["command"] = "disableClient", ["username"] = deviceId }, cancellationToken);
    }

    public async Task UpsertServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        RequireServiceName(username);
        var existing = await GetClientAsync(username, cancellationToken);
        var role = ServiceRoleName(username);
        await UpsertRoleAsync(role, acls, cancellationToken);
        if (existing is null && await TryCreateClientAsync(username, password, role, clientId: null, textDescription: null, cancellationToken))
        {
            return;
        }

        await EnsureServiceRoleAsync(username, role, existing ?? await GetClientAsync(username, cancellationToken), cancellationToken);
        await CommandAsync(new JsonObject { ["command"] = "setClientPassword", ["username"] = username, ["password"] = password }, cancellationToken);
        await CommandAsync(new JsonObject { ["command"] = "enableClient", ["username"] = username }, cancellationToken);
    }

    public async Task<ServiceAccountChange> EnsureServiceAsync(
        string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        RequireServiceName(username);
        var role = ServiceRoleName(username);
        await UpsertRoleAsync(role, acls, cancellationToken);
        // The text description remembers which configured password was applied last (as a hash, never the password).
        var marker = ConfiguredPasswordMarker(password);
        if (await TryCreateClientAsync(username, password, role, clientId: null, marker, cancellationToken))
        {
            return ServiceAccountChange.Created;
        }

        var client = await GetClientAsync(username, cancellationToken);
        await EnsureServiceRoleAsync(username, role, client, cancellationToken);
        if (client?["textdescription"]?.GetValue<string>() == marker)
        {
            return ServiceAccountChange.Unchanged;
        }

        await CommandAsync(new JsonObject { ["command"] = "setClientPassword", ["username"] = username, ["password"] = password }, cancellationToken);
        await CommandAsync(new JsonObject { ["command"] = "modifyClient", ["username"] = username, ["textdescription"] = marker }, cancellationToken);
        return ServiceAccountChange.PasswordApplied;
    }

    public async Task SetServicePasswordAsync(string username, string password, CancellationToken cancellationToken)
    {
        await RequireServiceClientAsync(username, cancellationToken);
        await CommandAsync(new JsonObject { ["command"] = "setClientPassword", ["username"] = username, ["password"] = password }, cancellationToken);
    }

    public async Task EnableServiceAsync(string username, CancellationToken cancellationToken)
    {
        await RequireServiceClientAsync(username, cancellationToken);
        await CommandAsync(new JsonObject { ["command"] = "enableClient", ["username"] = username }, cancellationToken);
    }

    public async Task DisableServiceAsync(string username, CancellationToken cancellationToken)
    {
        await RequireServiceClientAsync(username, cancellationToken);
        await CommandAsync(new JsonObject { ["command"] = "disableClient", ["username"] = username }, cancellationToken);
    }

    /// <summary>Identifies a configured password without revealing it (the passwords are long random secrets).</summary>
    internal static string ConfiguredPasswordMarker(string password) =>
        "configured-password-sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("iotaspire:" + password)));

    /// <summary>A device may use exactly its own topics: publish, subscribe and receive under devices/{id}/.</summary>
    public static IReadOnlyList<BrokerAcl> DeviceAcls(string deviceId)
    {
        var own = Protocol.DeviceTopics.AllOf(deviceId);
        return [BrokerAcl.PublishSend(own), BrokerAcl.PublishReceive(own), BrokerAcl.Subscribe(own)];
    }

    /// <summary>A device's client has exactly one role, its own: what registration gives it and nothing else has.</summary>
    internal static bool IsDeviceClient(string deviceId, JsonNode client)
    {
        var roles = RoleNames(client);
        return roles.Count == 1 && roles[0] == DeviceRoleName(deviceId);
    }

    private static List<string> RoleNames(JsonNode client) =>
        client["roles"]?.AsArray().Select(r => r?["rolename"]?.GetValue<string>() ?? "").ToList() ?? [];

    private static void RequireDeviceClient(string deviceId, JsonNode? client)
    {
        if (client is not null && !IsDeviceClient(deviceId, client))
        {
            throw new AccountKindException($"The broker account '{deviceId}' is not a device's; it was not changed.");
        }
    }

    private static void RequireServiceName(string username)
    {
        if (!ReservedAccountNames.IsReserved(username))
        {
            // A service account outside the reserved names could be claimed as a device id: refuse it at setup.
            throw new AccountKindException(
                $"'{username}' is not a reserved account name; name service accounts with the prefix '{ReservedAccountNames.ServicePrefix}'.");
        }
    }

    private async Task RequireServiceClientAsync(string username, CancellationToken cancellationToken)
    {
        RequireServiceName(username);
        var client = await GetClientAsync(username, cancellationToken)
            ?? throw new BrokerAccountException($"The broker has no account '{username}'.");
        if (!RoleNames(client).Contains(ServiceRoleName(username)))
        {
            throw new AccountKindException($"The broker account '{username}' is not a service account; it was not changed.");
        }
    }

    private async Task EnsureServiceRoleAsync(string username, string role, JsonNode? client, CancellationToken cancellationToken)
    {
        var roles = client is null ? [] : RoleNames(client);
        if (roles.Any(r => r.StartsWith("device-", StringComparison.Ordinal)))
        {
            throw new AccountKindException($"The broker account '{username}' belongs to a device; it was not made a service account.");
        }

        // Mosquitto 2.0 answers "Internal error" to addClientRole for a role the client has: look first.
        if (!roles.Contains(role))
        {
            await CommandAsync(new JsonObject { ["command"] = "addClientRole", ["username"] = username, ["rolename"] = role }, cancellationToken);
        }
    }

    /// <summary>The client's description (roles, text description), or null when the broker has no such client.</summary>
    private async Task<JsonNode?> GetClientAsync(string username, CancellationToken cancellationToken)
    {
        var response = await SendAsync(new JsonObject { ["command"] = "getClient", ["username"] = username }, cancellationToken);
        if (ErrorOf(response) == "Client not found")
        {
            return null;
        }

        ThrowOnError(response, tolerated: null);
        return response["data"]?["client"] ?? throw new BrokerAccountException($"The broker described the client '{username}' without data.");
    }

    /// <summary>True when created; false when the client already exists.</summary>
    private async Task<bool> TryCreateClientAsync(
        string username, string password, string role, string? clientId, string? textDescription, CancellationToken cancellationToken)
    {
        var create = new JsonObject
        {
            ["command"] = "createClient",
            ["username"] = username,
            ["password"] = password,
            ["roles"] = new JsonArray(new JsonObject { ["rolename"] = role }),
        };
        if (clientId is not null)
        {
            create["clientid"] = clientId;
        }

        if (textDescription is not null)
        {
            create["textdescription"] = textDescription;
        }

        var created = await SendAsync(create, cancellationToken);
        ThrowOnError(created, tolerated: "Client already exists");
        return ErrorOf(created) is null;
    }

    /// <summary>Creates the role, or makes an existing role's ACLs exactly <paramref name="acls"/>: missing ones added first, extra ones then removed.</summary>
    private async Task UpsertRoleAsync(string role, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        var created = await SendAsync(RoleCommand("createRole", role, acls), cancellationToken);
        ThrowOnError(created, tolerated: "Role already exists");
        if (ErrorOf(created) is null)
        {
            return;
        }

        var current = await CurrentAclsAsync(role, cancellationToken);
        foreach (var acl in acls.Where(acl => !current.Contains(acl)))
        {
            // An ACL of the same type and topic with another priority or verdict must go before the new one goes in.
            if (current.FirstOrDefault(c => c.AclType == acl.AclType && c.Topic == acl.Topic) is { } stale)
            {
                await RemoveAclAsync(role, stale, cancellationToken);
                current.Remove(stale);
            }

            await CommandAsync(new JsonObject
            {
                ["command"] = "addRoleACL",
                ["rolename"] = role,
                ["acltype"] = acl.AclType,
                ["topic"] = acl.Topic,
                ["priority"] = acl.Priority,
                ["allow"] = acl.Allow,
            }, cancellationToken);
        }

        foreach (var extra in current.Where(c => !acls.Contains(c)))
        {
            await RemoveAclAsync(role, extra, cancellationToken);
        }
    }

    /// <summary>The role's ACLs as the broker holds them.</summary>
    public async Task<List<BrokerAcl>> CurrentAclsAsync(string role, CancellationToken cancellationToken)
    {
        var response = await SendAsync(new JsonObject { ["command"] = "getRole", ["rolename"] = role }, cancellationToken);
        ThrowOnError(response, tolerated: null);
        return (response["data"]?["role"]?["acls"]?.AsArray() ?? []).Select(acl => new BrokerAcl(
                acl!["acltype"]!.GetValue<string>(),
                acl["topic"]!.GetValue<string>(),
                acl["allow"]?.GetValue<bool>() ?? false,
                acl["priority"]?.GetValue<int>() ?? 0))
            .ToList();
    }

    private Task RemoveAclAsync(string role, BrokerAcl acl, CancellationToken cancellationToken) =>
        CommandAsync(new JsonObject { ["command"] = "removeRoleACL", ["rolename"] = role, ["acltype"] = acl.AclType, ["topic"] = acl.Topic }, cancellationToken);

    private async Task CommandAsync(JsonObject command, CancellationToken cancellationToken) =>
        ThrowOnError(await SendAsync(command, cancellationToken), tolerated: null);

    private static JsonObject RoleCommand(string command, string role, IReadOnlyList<BrokerAcl> acls) => new()
    {
        ["command"] = command,
        ["rolename"] = role,
        ["acls"] = new JsonArray(acls.Select(acl => (JsonNode)new JsonObject
        {
            ["acltype"] = acl.AclType,
            ["topic"] = acl.Topic,
            ["priority"] = acl.Priority,
            ["allow"] = acl.Allow,
        }).ToArray()),
    };

    private static string? ErrorOf(JsonObject response) => response["error"]?.GetValue<string>();

    private static void ThrowOnError(JsonObject response, string? tolerated)
    {
        var error = ErrorOf(response);
        if (error is not null && !string.Equals(error, tolerated, StringComparison.Ordinal))
        {
            throw new BrokerAccountException($"Broker refused '{response["command"]}': {error}");
        }
    }

    private async Task<JsonObject> SendAsync(JsonObject command, CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken);
        var correlation = Guid.NewGuid().ToString("N");
        command["correlationData"] = correlation;
        var waiter = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[correlation] = waiter;
        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["commands"] = new JsonArray(command) });
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(ControlTopic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await _connection.Client.PublishAsync(message, cancellationToken);
            return await waiter.Task.WaitAsync(ResponseTimeout, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw new BrokerAccountException($"The broker did not answer '{command["command"]}' within {ResponseTimeout.TotalSeconds} s.", exception);
        }
        finally
        {
            _pending.TryRemove(correlation, out _);
        }
    }

    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.EnsureConnectedAsync(cancellationToken);
        }
        catch (MqttConnectException exception)
        {
            throw new BrokerAccountException($"The broker refused the admin login: {exception.ResultCode}.", exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new BrokerAccountException($"Cannot reach the MQTT broker at {_broker.Host}:{_broker.Port}.", exception);
        }
    }

    private Task OnResponseAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            var root = JsonNode.Parse(e.ApplicationMessage.Payload.ToArray());
            foreach (var response in root?["responses"]?.AsArray() ?? [])
            {
                if (response is JsonObject item
                    && item["correlationData"]?.GetValue<string>() is { } correlation
                    && _pending.TryGetValue(correlation, out var waiter))
                {
                    waiter.TrySetResult(item);
                }
            }
        }
        catch (JsonException exception)
        {
            _logger.LogWarning(exception, "Ignored an unreadable dynamic-security response");
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
