using System.Text.Json;
using IotAspire.Core.Events;
using StackExchange.Redis;

namespace IotAspire.Api.Realtime;

/// <summary>A stream entry read back as the event the hub sends: method name = type, argument = data.</summary>
public sealed record RelayedEvent(string Type, string DeviceId, JsonElement Data)
{
    private static readonly HashSet<string> KnownTypes = [DeviceEvent.Telemetry, DeviceEvent.Shadow, DeviceEvent.Presence];

    /// <summary>The event, or null with the reason it cannot be relayed.</summary>
    public static RelayedEvent? TryRead(StreamEntry entry, out string? problem)
    {
        var type = (string?)entry["type"];
        var device = (string?)entry["device"];
        var data = (string?)entry["data"];
        problem = type is null || !KnownTypes.Contains(type) ? $"unknown type '{type}'"
            : !Core.Protocol.DeviceId.IsValid(device) ? $"invalid device id '{device}'"
            : data is null ? "no data"
            : null;
        if (problem is not null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(data!);
            return new RelayedEvent(type!, device!, document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            problem = "data is not JSON: " + ex.Message;
            return null;
        }
    }

    /// <summary>When Redis appended the entry (the milliseconds part of its id), for the relay-lag metric.</summary>
    public static DateTimeOffset? AppendedAt(RedisValue id)
    {
        var text = (string?)id;
        var dash = text?.IndexOf('-') ?? -1;
        return dash > 0 && long.TryParse(text.AsSpan(0, dash), out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
