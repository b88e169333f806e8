using System.ComponentModel.DataAnnotations;
using IotAspire.Core.Mqtt;

namespace IotAspire.Api.Infrastructure;

/// <summary>Section <c>Devices</c>: the broker address devices are told to use, when it differs from ours.</summary>
public sealed class MqttPublicOptions
{
    public const string Section = "Devices";

    public string? MqttPublicHost { get; set; }

    [Range(1, 65535)]
    public int? MqttPublicPort { get; set; }
}

/// <summary>The broker address handed to devices with their credentials.</summary>
public sealed record MqttPublicEndpoint(string Host, int Port)
{
    /// <summary>Options win; otherwise the service's own broker address (ConnectionStrings:mqtt), with loopback shown as "localhost".</summary>
    public static MqttPublicEndpoint Resolve(MqttPublicOptions options, string? mqttConnectionString)
    {
        if (!string.IsNullOrWhiteSpace(options.MqttPublicHost) && options.MqttPublicPort is { } configuredPort)
        {
            return new MqttPublicEndpoint(options.MqttPublicHost, configuredPort);
        }

        var broker = MqttBrokerAddress.Parse(mqttConnectionString);
        var host = string.IsNullOrWhiteSpace(options.MqttPublicHost)
            ? (broker.Host == "127.0.0.1" ? "localhost" : broker.Host)
            : options.MqttPublicHost;
        return new MqttPublicEndpoint(host, options.MqttPublicPort ?? broker.Port);
    }

    public static bool TryResolve(MqttPublicOptions options, string? mqttConnectionString, out MqttPublicEndpoint? endpoint)
    {
        try
        {
            endpoint = Resolve(options, mqttConnectionString);
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            endpoint = null;
            return false;
        }
    }
}
