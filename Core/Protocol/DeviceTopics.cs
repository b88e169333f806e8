namespace IotAspire.Core.Protocol;

/// <summary>The device protocol's topics. Every device topic is under <c>devices/{deviceId}/</c>.</summary>
public static class DeviceTopics
{
    public const string Root = "devices";
    public const string TelemetryFilter = "devices/+/telemetry";
    public const string StatusFilter = "devices/+/status";

    public static string Prefix(string deviceId) => $"{Root}/{deviceId}/";
    public static string Telemetry(string deviceId) => $"{Root}/{deviceId}/telemetry";
    public static string Status(string deviceId) => $"{Root}/{deviceId}/status";
    public static string AllOf(string deviceId) => $"{Root}/{deviceId}/#";

    /// <summary>The device id of a topic under <c>devices/{id}/…</c>, or null for any other topic.</summary>
    public static string? DeviceIdOf(string topic)
    {
        if (!topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return null;
        }

        var start = Root.Length + 1;
        var end = topic.IndexOf('/', start);
        var id = end < 0 ? topic[start..] : topic[start..end];
        return DeviceId.IsValid(id) ? id : null;
    }
}
