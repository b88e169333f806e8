using System.Buffers;
using System.Diagnostics;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>
/// Publishes replies to devices (QoS 1) over a connection of its own (client id <c>{ClientId}-replies</c>, no session):
/// the consumer's connection stops reading its socket under overload (<see cref="MqttDeliveryGate"/>), and a reply's
/// PUBACK must never wait behind that. Connects on first use and again after a drop (one attempt per publish). Carries
/// the current trace (<see cref="MqttTraceContext"/>). Throws when the broker cannot be reached.
/// </summary>
public sealed class MqttDevicePublisher : IMqttPublisher, IDisposable
{
    private readonly ResilientMqttClient _connection;

    public MqttDevicePublisher(IConfiguration configuration, IOptions<MqttServiceOptions> options, ILogger<MqttDevicePublisher> logger)
    {
        var settings = options.Value;
        MqttClientOptions? clientOptions = null;
        _connection = new ResilientMqttClient(
            "replies to devices",
            () => clientOptions ??= settings
                .ConnectionTo(MqttBrokerAddress.Parse(configuration.GetConnectionString(ResourceNames.Mqtt)), settings.ClientId + "-replies")
                .WithCleanStart(true) // Nothing to resume: a reply that failed is the caller's error to handle.
                .Build()
                .WithSocketBuffers(settings.SocketBufferBytes),
            settings.Backoff,
            logger);
    }

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        await _connection.EnsureConnectedAsync(cancellationToken);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .WithTraceContext(Activity.Current)
            .Build();
        var result = await _connection.Client.PublishAsync(message, cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"The broker refused the publish to {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    public void Dispose() => _connection.Dispose();
}
