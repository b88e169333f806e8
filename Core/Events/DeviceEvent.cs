using System.Text.Json.Nodes;

namespace IotAspire.Core.Events;

/// <summary>
/// What apps see change in real time. The worker (and the Api, for shadow changes it makes) send each event to the
/// SignalR group of its device, through the hub's Redis backplane (live only: no history, no redelivery).
/// </summary>
public sealed record DeviceEvent(string Type, string DeviceId, JsonNode Data)
{
    public const string Telemetry = "telemetry";
    public const string Shadow = "shadow";
    public const string Presence = "presence";
}
