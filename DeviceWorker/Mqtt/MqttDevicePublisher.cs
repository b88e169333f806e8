using System.Buffers;
using System.Diagnostics;
using System.Text;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Shadows;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>
/// Publishes replies to devices (QoS 1) over a connection of its own (client id <c>{ClientId}-replies</c>, no session):
/// the consumer's connection stops reading its socket under overload (<see cref="MqttDeliveryGate"/>), and a reply's
/// PUBACK must never wait behind that. Connects on first use and again after a drop. Carries the current trace in the
/// MQTT 5 user property <c>traceparent</c>. Throws when the broker cannot be reached.
/// </summary>
public sealed class MqttDevicePublisher(IConfiguration configuration, IOptions<MqttOptions> options) : IMqttPublisher, IDisposable
{
    private readonly MqttOptions _options = options.Value;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken);
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

        var result = await _client.PublishAsync(builder.Build(), cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"The broker refused the publish to {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            return;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_client.IsConnected)
            {
                return;
            }

            var address = MqttBrokerAddress.Parse(configuration.GetConnectionString(ResourceNames.Mqtt));
            var clientOptions = _options.ConnectionTo(address, _options.ClientId + "-replies")
                .WithCleanStart(true) // Nothing to resume: a reply that failed is the caller's error to handle.
                .Build()
                .WithSocketBuffers(_options.SocketBufferBytes);
            var result = await _client.ConnectAsync(clientOptions, cancellationToken);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                // MQTTnet does not throw on a refused login; the result code says why.
                throw new InvalidOperationException($"The broker refused the replies connection: {result.ResultCode} {result.ReasonString}");
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _connecting.Dispose();
    }
}
