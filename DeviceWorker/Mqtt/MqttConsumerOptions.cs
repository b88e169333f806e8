using System.ComponentModel.DataAnnotations;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>How the worker consumes device messages, section <c>MqttConsumer</c> (its account and session: section <c>Mqtt</c>).</summary>
public sealed class MqttConsumerOptions
{
    public const string Section = "MqttConsumer";

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

    /// <summary>
    /// After a message had to be left unacknowledged (even its dead-letter write failed), reconnect this long
    /// afterwards: the broker redelivers unacknowledged messages only on a new connection.
    /// </summary>
    [Range(1, 86_400)]
    public int RedeliveryReconnectSeconds { get; set; } = 30;

    /// <summary>On shutdown, how long in-flight messages may take to finish before they are left to redelivery.</summary>
    [Range(0, 300)]
    public int ShutdownGraceSeconds { get; set; } = 5;
}
