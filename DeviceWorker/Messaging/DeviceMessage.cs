using System.Diagnostics;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using MQTTnet;
using MQTTnet.Packets;

namespace IotAspire.DeviceWorker.Messaging;

/// <summary>
/// A message as handlers see it: the topic, the device id taken from the topic (null for topics outside
/// <c>devices/{id}/…</c>), a private copy of the payload, and the trace context the publisher sent.
/// </summary>
public sealed record DeviceMessage(
    string Topic,
    string? DeviceId,
    ReadOnlyMemory<byte> Payload,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<KeyValuePair<string, string>> UserProperties)
{
    /// <summary>The MQTT 5 subscription identifiers the broker delivered this copy for (empty on MQTT 3.1.1).</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>The publisher's trace context from the <c>traceparent</c> user property, or default.</summary>
    public ActivityContext ParentContext =>
        MqttTraceContext.Parse(Property(MqttTraceContext.TraceParentProperty), Property(MqttTraceContext.TraceStateProperty));

    public string? Property(string name)
    {
        foreach (var property in UserProperties)
        {
            if (string.Equals(property.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    public static DeviceMessage Create(string topic, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt) =>
        new(topic, DeviceTopics.DeviceIdOf(topic), payload, receivedAt, []);

    /// <summary>Copies what is needed: MQTTnet may reuse its buffers once the receive event has returned.</summary>
    public static DeviceMessage From(MqttApplicationMessage message, DateTimeOffset receivedAt) =>
        new(
            message.Topic,
            DeviceTopics.DeviceIdOf(message.Topic),
            System.Buffers.BuffersExtensions.ToArray(message.Payload),
            receivedAt,
            message.UserProperties is { Count: > 0 } properties
                ? properties.Select(p => KeyValuePair.Create(p.Name, p.ReadValueAsString())).ToArray()
                : [])
        {
            SubscriptionIdentifiers = message.SubscriptionIdentifiers is { Count: > 0 } ids ? [.. ids] : [],
        };
}
