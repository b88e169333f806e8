using System.Text.Json.Nodes;

namespace IotAspire.Core.Events;

/// <summary>
/// What apps see change in real time. The worker (and the Api, for shadow changes it makes) append events to one
/// Redis stream; each event is relayed once, by one Api replica, to the SignalR group of its device.
/// </summary>
public sealed record DeviceEvent(string Type, string DeviceId, JsonNode Data)
{
    public const string Telemetry = "telemetry";
    public const string Shadow = "shadow";
    public const string Presence = "presence";

    /// <summary>The Redis stream every event goes through.</summary>
    public const string StreamKey = "iot:events";

    /// <summary>Approximate length the stream is trimmed to: events are for live delivery, not history.</summary>
    public const int StreamMaxLength = 100_000;
}
