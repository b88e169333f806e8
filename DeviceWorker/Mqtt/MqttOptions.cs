using System.ComponentModel.DataAnnotations;
using IotAspire.Core.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>The worker's broker account and session, section <c>Mqtt</c>. The address is ConnectionStrings:mqtt.</summary>
public sealed class MqttOptions
{
    public const string Section = "Mqtt";

    [Required]
    public string Username { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";

    /// <summary>Must stay the same across restarts: the broker keeps unacknowledged messages for this client id.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string ClientId { get; set; } = "deviceworker-" + Environment.MachineName;

    /// <summary>The shared-subscription group: replicas in the same group share the messages.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string SharedGroup { get; set; } = "deviceworker";

    /// <summary>How many unacknowledged messages the broker may send us at once.</summary>
    [Range(1, 65535)]
    public int ReceiveMaximum { get; set; } = 1000;

    /// <summary>
    /// How many messages this worker holds at once (received, not yet acknowledged): enough for one full batch being
    /// written and the next one gathering. Past it, new messages wait in MQTTnet's receive queue, and once that holds
    /// <see cref="ReceiveMaximum"/> more, the socket is no longer read (<see cref="MqttDeliveryGate"/>): an overload
    /// waits in the broker, not in our heap, also with a broker that sends past the Receive Maximum.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxInFlightMessages { get; set; } = 2500;

    /// <summary>The socket's receive and send buffers (see <see cref="MqttSocketBuffers"/> for why not MQTTnet's 8 KB).</summary>
    [Range(8 * 1024, 64 * 1024 * 1024)]
    public int SocketBufferBytes { get; set; } = MqttSocketBuffers.DefaultBytes;

    /// <summary>How long the broker keeps our session (and queues our messages) while we are away.</summary>
    [Range(0, int.MaxValue)]
    public int SessionExpirySeconds { get; set; } = 86400;

    [Range(1, 3600)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>
    /// The longest wait between two connection attempts (the first is at once). Short on purpose: after a broker restart
    /// devices are let in only once the worker has subscribed again, so its reconnect decides how long they wait.
    /// </summary>
    [Range(1, 300)]
    public int MaxReconnectDelaySeconds { get; set; } = 1;

    /// <summary>
    /// After a message had to be left unacknowledged (even its dead-letter write failed), reconnect this long
    /// afterwards: the broker redelivers unacknowledged messages only on a new connection.
    /// </summary>
    [Range(1, 86_400)]
    public int RedeliveryReconnectSeconds { get; set; } = 30;

    /// <summary>On shutdown, how long in-flight messages may take to finish before they are left to redelivery.</summary>
    [Range(0, 300)]
    public int ShutdownGraceSeconds { get; set; } = 5;

    /// <summary>What both of the worker's connections share: broker address, MQTT 5, this account, keepalive.</summary>
    public MqttClientOptionsBuilder ConnectionTo(MqttBrokerAddress address, string clientId) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer(address.Host, address.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCredentials(Username, Password)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10));
}
