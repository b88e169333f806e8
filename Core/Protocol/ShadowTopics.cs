namespace IotAspire.Core.Protocol;

/// <summary>AWS IoT Device Shadow topics (classic shadow), under <c>devices/{id}/shadow/</c>.</summary>
public static class ShadowTopics
{
    public const string UpdateFilter = "devices/+/shadow/update";
    public const string GetFilter = "devices/+/shadow/get";

    public static string Update(string deviceId) => $"devices/{deviceId}/shadow/update";
    public static string UpdateAccepted(string deviceId) => $"devices/{deviceId}/shadow/update/accepted";
    public static string UpdateRejected(string deviceId) => $"devices/{deviceId}/shadow/update/rejected";

    /// <summary>Published retained, so a device that was offline receives the outstanding delta when it subscribes.</summary>
    public static string UpdateDelta(string deviceId) => $"devices/{deviceId}/shadow/update/delta";
    public static string UpdateDocuments(string deviceId) => $"devices/{deviceId}/shadow/update/documents";
    public static string Get(string deviceId) => $"devices/{deviceId}/shadow/get";
    public static string GetAccepted(string deviceId) => $"devices/{deviceId}/shadow/get/accepted";
    public static string GetRejected(string deviceId) => $"devices/{deviceId}/shadow/get/rejected";
}

/// <summary>Direct methods (Azure IoT Hub semantics) over MQTT.</summary>
public static class CommandTopics
{
    public const string ResponseFilter = "devices/+/commands/response/+";

    public static string Request(string deviceId, string name, string requestId) => $"devices/{deviceId}/commands/{name}/{requestId}";
    public static string Response(string deviceId, string requestId) => $"devices/{deviceId}/commands/response/{requestId}";
}
