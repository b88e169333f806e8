using IotAspire.Dashboard.ApiClient;

namespace IotAspire.Dashboard.Components.Pages.Fleet;

/// <summary>
/// mosquitto_pub command lines for a device's credentials (device protocol: README). Single quotes: the generated
/// password is base64url and the payloads hold no quote, so the lines paste into any POSIX shell as they are.
/// </summary>
public static class MosquittoLines
{
    public static string Status(MqttCredentials mqtt) =>
        $"{Connect(mqtt)} -q 1 -r -t devices/{mqtt.Username}/status -m '{{\"online\":true}}'";

    public static string Telemetry(MqttCredentials mqtt) =>
        $"{Connect(mqtt)} -q 1 -t devices/{mqtt.Username}/telemetry -m '{{\"temperature\":21.5,\"humidity\":40}}'";

    private static string Connect(MqttCredentials mqtt) =>
        $"mosquitto_pub -h {mqtt.Host} -p {mqtt.Port} -u {mqtt.Username} -P '{mqtt.Password}' -i {mqtt.Username}";
}
