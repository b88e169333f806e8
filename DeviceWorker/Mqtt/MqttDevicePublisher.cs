using System.Buffers;
using System.Diagnostics;
using System.Text;
using IotAspire.Core.Shadows;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>
/// Publishes replies to devices (QoS 1) over the consumer's own connection: one session per replica, and the
/// worker's broker account may publish under <c>devices/#</c>. Carries the current trace in the MQTT 5 user
/// property <c>traceparent</c>. Throws while the consumer is not connected.
/// </summary>
public sealed class MqttDevicePublisher : IDeviceMessagePublisher
{
    private volatile IMqttClient? _client;

    /// <summary>Called by the consumer with the client it connects (and reconnects) for its whole lifetime.</summary>
    internal void Attach(IMqttClient client) => _client = client;

    internal void Detach() => _client = null;

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        var client = _client;
        if (client is null || !client.IsConnected)
        {
            throw new InvalidOperationException($"Cannot publish to {topic}: the worker is not connected to the MQTT broker.");
        }

        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain);
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            builder.WithUserProperty(Messaging.DeviceMessage.TraceParentProperty, Encoding.UTF8.GetBytes(activity.Id!).AsMemory());
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                builder.WithUserProperty(Messaging.DeviceMessage.TraceStateProperty, Encoding.UTF8.GetBytes(activity.TraceStateString).AsMemory());
            }
        }

        var result = await client.PublishAsync(builder.Build(), cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"The broker refused the publish to {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }
}
