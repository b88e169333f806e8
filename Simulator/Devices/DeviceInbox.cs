using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using IotAspire.Core.Protocol;

namespace IotAspire.Simulator.Devices;

/// <summary>A message the device received, copied out of MQTTnet's buffers.</summary>
public sealed record InboundMessage(string Topic, byte[] Payload, ActivityContext Parent);

/// <summary>The topics a device listens to and the payloads it reads and writes there. Pure.</summary>
public static class DeviceInbox
{
    /// <summary>Topics a device subscribes to on every connect (the delta is retained: an outstanding one arrives at once).</summary>
    public static IReadOnlyList<string> Subscriptions(string deviceId) =>
    [
        ShadowTopics.UpdateDelta(deviceId),
        ShadowTopics.UpdateAccepted(deviceId),
        ShadowTopics.UpdateRejected(deviceId),
        CommandsFilter(deviceId),
    ];

    public static string CommandsFilter(string deviceId) => $"devices/{deviceId}/commands/#";

    /// <summary>A command request: <c>devices/{id}/commands/{name}/{requestId}</c>. Responses (and anything deeper) are not.</summary>
    public static bool TryParseCommand(string deviceId, string topic, out string name, out string requestId)
    {
        name = requestId = "";
        var prefix = $"devices/{deviceId}/commands/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1 || rest[(slash + 1)..].Contains('/'))
        {
            return false;
        }

        name = rest[..slash].ToString();
        requestId = rest[(slash + 1)..].ToString();
        return name != "response";
    }

    /// <summary>
    /// The <c>state</c> and <c>version</c> of a delta message, or false for an empty payload (the cloud cleared the
    /// retained delta) or one without a state object.
    /// </summary>
    public static bool TryParseDelta(ReadOnlySpan<byte> payload, out JsonObject state, out long version)
    {
        state = [];
        version = 0;
        if (payload.IsEmpty)
        {
            return false;
        }

        try
        {
            if (JsonNode.Parse(payload) is not JsonObject delta || delta["state"] is not JsonObject deltaState)
            {
                return false;
            }

            if (delta["version"] is JsonValue number && number.TryGetValue<long>(out var parsed))
            {
                version = parsed;
            }

            state = deltaState;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A report of the device's state: <c>{"state":{"reported":{…}},"clientToken":"…"}</c>.</summary>
    public static byte[] Report(JsonObject reported, string clientToken) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["state"] = new JsonObject { ["reported"] = reported.DeepClone() },
            ["clientToken"] = clientToken,
        });
}
