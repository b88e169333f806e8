using System.Text.Json.Nodes;
using IotAspire.Core.Events;
using IotAspire.Core.Telemetry;

namespace IotAspire.DeviceWorker.Events;

/// <summary>The "telemetry" event of one stored message: <c>{deviceId, values:[{name, t, value}]}</c>.</summary>
public static class TelemetryEvents
{
    public static DeviceEvent For(string deviceId, IReadOnlyList<TelemetryPoint> points)
    {
        var values = new JsonArray();
        foreach (var point in points)
        {
            values.Add(new JsonObject
            {
                ["name"] = point.Metric,
                ["t"] = point.Timestamp.UtcDateTime,
                ["value"] = Value(point.Value),
            });
        }

        return new DeviceEvent(DeviceEvent.Telemetry, deviceId, new JsonObject { ["deviceId"] = deviceId, ["values"] = values });
    }

    private static JsonNode Value(TelemetryValue value) => value.Kind switch
    {
        TelemetryValueKind.Number => JsonValue.Create(value.Number),
        TelemetryValueKind.Boolean => JsonValue.Create(value.Boolean),
        _ => JsonValue.Create(value.Text ?? ""),
    };
}
