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
public sealed class DynamicSecurityClient(
    MqttConnection connection,
    IOptions<MqttAdminOptions> options,
    ILogger<DynamicSecurityClient> logger) : IBrokerAccounts, IAsyncDisposable
{
    private const string ControlTopic = "$CONTROL/dynamic-security/v1";
    private const string ResponseTopic = ControlTopic + "/response";
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new();

    public static string DeviceRoleName(string deviceId) => "device-" + deviceId;

    public async Task UpsertDeviceAsync(string deviceId, string password, CancellationToken cancellationToken)
    {
        var role = DeviceRoleName(deviceId);
        var acls = DeviceAcls(deviceId);
        await UpsertRoleAsync(role, acls, cancellationToken);
        await UpsertClientAsync(deviceId, password, role, clientId: deviceId, cancellationToken);
    }

    public async Task UpsertServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        var role = "service-" + username;
        await UpsertRoleAsync(role, acls, cancellationToken);
        await UpsertClientAsync(username, password, role, clientId: null, cancellationToken);
    }

    public async Task DisableClientAsync(string username, CancellationToken cancellationToken)
    {
        var response = await SendAsync(new JsonObject { ["command"] = "disableClient", ["username"] = username }, cancellationToken);
        ThrowOnError(response, tolerated: null);
    }

    public async Task EnableClientAsync(string username, CancellationToken cancellationToken) =>
        ThrowOnError(await SendAsync(new JsonObject { ["command"] = "enableClient", ["username"] = username }, cancellationToken), tolerated: null);

    public async Task SetClientPasswordAsync(string username, string password, CancellationToken cancellationToken) =>
        ThrowOnError(await SendAsync(new JsonObject { ["command"] = "setClientPassword", ["username"] = username, ["password"] = password }, cancellationToken), tolerated: null);

    public async Task<ServiceAccountChange> EnsureServiceAsync(
        string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        var role = "service-" + username;
        await UpsertRoleAsync(role, acls, cancellationToken);
        // The text description remembers which configured password was applied last (as a hash, never the password).
        var marker = ConfiguredPasswordMarker(password);
        var create = new JsonObject
        {
            ["command"] = "createClient",
            ["username"] = username,
            ["password"] = password,
            ["textdescription"] = marker,
            ["roles"] = new JsonArray(new JsonObject { ["rolename"] = role }),
        };
        var created = await SendAsync(create, cancellationToken);
        if (ErrorOf(created) is null)
        {
            return ServiceAccountChange.Created;
        }

        ThrowOnError(created, tolerated: "Client already exists");
        var existing = await SendAsync(new JsonObject { ["command"] = "getClient", ["username"] = username }, cancellationToken);
        ThrowOnError(existing, tolerated: null);
        var client = existing["data"]?["client"];
        var hasRole = client?["roles"]?.AsArray().Any(r => r?["rolename"]?.GetValue<string>() == role) ?? false;
        if (!hasRole)
        {
            ThrowOnError(await SendAsync(new JsonObject { ["command"] = "addClientRole", ["username"] = username, ["rolename"] = role }, cancellationToken), null);
        }

        if (client?["textdescription"]?.GetValue<string>() == marker)
        {
            return ServiceAccountChange.Unchanged;
        }

        await SetClientPasswordAsync(username, password, cancellationToken);
        ThrowOnError(await SendAsync(new JsonObject { ["command"] = "modifyClient", ["username"] = username, ["textdescription"] = marker }, cancellationToken), null);
        return ServiceAccountChange.PasswordApplied;
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

    private async Task UpsertRoleAsync(string role, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        // Delete + create replaces the ACL list whole, so a changed rule set converges; clients keep the role name.
        var created = await SendAsync(RoleCommand("createRole", role, acls), cancellationToken);
        if (ErrorOf(created) is null)
        {
            return;
        }

        foreach (var acl in acls)
        {
            var add = new JsonObject
            {
                ["command"] = "addRoleACL",
                ["rolename"] = role,
                ["acltype"] = acl.AclType,
                ["topic"] = acl.Topic,
                ["priority"] = acl.Priority,
                ["allow"] = acl.Allow,
            };
            ThrowOnError(await SendAsync(add, cancellationToken), tolerated: "ACL with this topic already exists");
        }
    }

    private async Task UpsertClientAsync(string username, string password, string role, string? clientId, CancellationToken cancellationToken)
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

        var created = await SendAsync(create, cancellationToken);
        if (ErrorOf(created) is null)
        {
            return;
        }

        ThrowOnError(created, tolerated: "Client already exists");

        // Mosquitto 2.0 answers "Internal error" to addClientRole for a role the client has: look first.
        var existing = await SendAsync(new JsonObject { ["command"] = "getClient", ["username"] = username }, cancellationToken);
        ThrowOnError(existing, tolerated: null);
        var hasRole = existing["data"]?["client"]?["roles"]?.AsArray()
            .Any(r => r?["rolename"]?.GetValue<string>() == role) ?? false;
        if (!hasRole)
        {
            ThrowOnError(await SendAsync(new JsonObject { ["command"] = "addClientRole", ["username"] = username, ["rolename"] = role }, cancellationToken), null);
        }

        ThrowOnError(await SendAsync(new JsonObject { ["command"] = "setClientPassword", ["username"] = username, ["password"] = password }, cancellationToken), null);
        ThrowOnError(await SendAsync(new JsonObject { ["command"] = "enableClient", ["username"] = username }, cancellationToken), null);
    }

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
            await _client.PublishAsync(message, cancellationToken);
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
        if (_client.IsConnected)
        {
            return;
        }

        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_client.IsConnected)
            {
                return;
            }

            _client.ApplicationMessageReceivedAsync -= OnResponseAsync;
            _client.ApplicationMessageReceivedAsync += OnResponseAsync;
            var admin = options.Value;
            var clientOptions = new MqttClientOptionsBuilder()
                .WithTcpServer(connection.Host, connection.Port)
                .WithCredentials(admin.Username, admin.Password)
                .WithClientId($"dynsec-{Environment.MachineName}-{Guid.NewGuid():N}")
                .WithCleanStart()
                .Build();
            MqttClientConnectResult result;
            try
            {
                result = await _client.ConnectAsync(clientOptions, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                throw new BrokerAccountException($"Cannot reach the MQTT broker at {connection.Host}:{connection.Port}.", exception);
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new BrokerAccountException($"The broker refused the admin login: {result.ResultCode}.");
            }

            await _client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(ResponseTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                cancellationToken);
            logger.LogInformation("Connected to the broker's dynamic-security control topic at {Host}:{Port}", connection.Host, connection.Port);
        }
        finally
        {
            _connectLock.Release();
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
            logger.LogWarning(exception, "Ignored an unreadable dynamic-security response");
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
        _connectLock.Dispose();
    }
}

public sealed class BrokerAccountException : Exception
{
    public BrokerAccountException(string message) : base(message) { }

    public BrokerAccountException(string message, Exception inner) : base(message, inner) { }
}
