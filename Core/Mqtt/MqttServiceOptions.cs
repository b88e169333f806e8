using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Formatter;

namespace IotAspire.Core.Mqtt;

/// <summary>
/// A service's broker account and session, section <c>Mqtt</c> in every service that holds an MQTT connection of its
/// own (the Api, the worker). The address is ConnectionStrings:mqtt. Each service gives its own defaults in code
/// (<see cref="MqttServiceOptionsExtensions.AddMqttServiceOptions"/>); configuration overrides them.
/// </summary>
public sealed class MqttServiceOptions
{
    public const string Section = "Mqtt";

    [Required]
    public string Username { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";

    /// <summary>
    /// The client id, or its first part where the service adds one per process (the Api's replicas must never take each
    /// other's session); where the broker keeps unacknowledged messages for it (the worker), it must stay the same across restarts.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string ClientId { get; set; } = "";

    /// <summary>How long the broker keeps the session (and queues its messages) while the service is away.</summary>
    [Range(0, int.MaxValue)]
    public int SessionExpirySeconds { get; set; }

    [Range(1, 3600)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>
    /// The longest wait between two connection attempts (the first is at once; <see cref="MqttReconnectBackoff.Service"/>).
    /// Short on purpose: after a broker restart devices are let in only once the worker has subscribed again, so its
    /// reconnect decides how long they wait.
    /// </summary>
    [Range(1, 300)]
    public int MaxReconnectDelaySeconds { get; set; } = 1;

    /// <summary>The socket's receive and send buffers (see <see cref="MqttSocketBuffers"/> for why not MQTTnet's 8 KB).</summary>
    [Range(8 * 1024, 64 * 1024 * 1024)]
    public int SocketBufferBytes { get; set; } = MqttSocketBuffers.DefaultBytes;

    public MqttReconnectBackoff Backoff => MqttReconnectBackoff.Service(TimeSpan.FromSeconds(MaxReconnectDelaySeconds));

    /// <summary>What every connection of a service shares: the broker address, MQTT 5, this account, keepalive, a 10 s timeout.</summary>
    public MqttClientOptionsBuilder ConnectionTo(MqttBrokerAddress address, string clientId) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer(address.Host, address.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCredentials(Username, Password)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10));
}

public static class MqttServiceOptionsExtensions
{
    /// <summary>Binds <see cref="MqttServiceOptions"/> from section <c>Mqtt</c> over the service's own <paramref name="defaults"/>.</summary>
    public static IHostApplicationBuilder AddMqttServiceOptions(this IHostApplicationBuilder builder, Action<MqttServiceOptions> defaults)
    {
        builder.Services.AddOptions<MqttServiceOptions>()
            .Configure(defaults)
            .BindConfiguration(MqttServiceOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }
}
