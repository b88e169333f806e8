namespace IotAspire.Core.Mqtt;

/// <summary>
/// The broker address from <c>ConnectionStrings:mqtt</c>, of the form <c>mqtt://host:port</c>.
/// Credentials are not part of it: each service has its own account in its options.
/// </summary>
public sealed record MqttBrokerAddress(string Host, int Port)
{
    public const int DefaultPort = 1883;

    public static MqttBrokerAddress Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ResourceNames.Mqtt} is missing; expected mqtt://host:port.");
        }

        var text = connectionString.Contains("://", StringComparison.Ordinal) ? connectionString : "mqtt://" + connectionString;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"'{connectionString}' is not an MQTT address; expected mqtt://host:port.");
        }

        return new MqttBrokerAddress(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? DefaultPort : uri.Port);
    }
}
