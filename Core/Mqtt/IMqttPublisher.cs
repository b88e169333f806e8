namespace IotAspire.Core.Mqtt;

/// <summary>
/// Publishes one message to the broker at QoS 1 and returns once the broker has it (throws when it cannot): shadow
/// answers and deltas, provisioning answers, whatever a service sends to devices. The worker and the Api each implement
/// it over an MQTT connection of their own.
/// </summary>
public interface IMqttPublisher
{
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken);
}
