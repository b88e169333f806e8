namespace IotAspire.Core.Mqtt;

/// <summary>
/// Where and as whom a device connects: the broker's public host and port and the device's own account. The Api
/// answers it when it issues a password (shown only then); the simulator reads it back from that answer.
/// </summary>
public sealed record MqttCredentials(string Host, int Port, string Username, string Password);
