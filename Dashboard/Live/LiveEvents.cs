using System.Text.Json;
using System.Text.Json.Nodes;

namespace IotAspire.Dashboard.Live;

/// <summary>One point of a <c>telemetry</c> event: the metric, its time and the value as the device sent it.</summary>
public sealed record LivePoint(string Name, DateTime T, JsonElement Value)
{
    public double? Number => Value.ValueKind switch
    {
        JsonValueKind.Number => Value.GetDouble(),
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        _ => null,
    };
}

/// <summary>The hub's <c>telemetry</c> event: the values of one stored message.</summary>
public sealed record TelemetryEvent(string DeviceId, IReadOnlyList<LivePoint> Values);

/// <summary>The hub's <c>shadow</c> event: the new document and its version.</summary>
public sealed record ShadowEvent(string DeviceId, long Version, JsonObject? Document);

/// <summary>The hub's <c>presence</c> event.</summary>
public sealed record PresenceEvent(string DeviceId, bool Online, DateTime? At);

/// <summary>What the page says about its live connection.</summary>
public enum LiveState { Connecting, Live, Reconnecting, SignedOut }
