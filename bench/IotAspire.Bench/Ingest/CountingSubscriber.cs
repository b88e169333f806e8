using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.Bench.Ingest;

/// <summary>
/// The broker-only ceiling's consumer: one MQTTnet connection on devices/+/telemetry at the run's QoS, with the
/// worker's in-flight window, that only counts (per device, to check it lost nothing either). It opens the broker's
/// start gate as the worker does.
/// </summary>
public sealed class CountingSubscriber : IAsyncDisposable
{
    private const int ReceiveMaximum = 1000;
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Dictionary<string, long> _perDevice = new(StringComparer.Ordinal);
    private long _received;

    private CountingSubscriber()
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            // "devices/{id}/telemetry"
            var topic = e.ApplicationMessage.Topic;
            var id = topic["devices/".Length..^"/telemetry".Length];
            lock (_perDevice)
            {
                _perDevice[id] = _perDevice.GetValueOrDefault(id) + 1;
            }

            Interlocked.Increment(ref _received);
            return Task.CompletedTask;
        };
    }

    public long Received => Interlocked.Read(ref _received);

    public IReadOnlyDictionary<string, long> PerDevice
    {
        get
        {
            lock (_perDevice)
            {
                return new Dictionary<string, long>(_perDevice, StringComparer.Ordinal);
            }
        }
    }

    public static async Task<CountingSubscriber> ConnectAsync(MqttBrokerAddress broker, string username, string password, int qos, CancellationToken cancellationToken)
    {
        var subscriber = new CountingSubscriber();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithCredentials(username, password)
            .WithClientId("bench-counter-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart()
            .WithSessionExpiryInterval(0)
            .WithReceiveMaximum(ReceiveMaximum)
            .Build();
        var result = await subscriber._client.ConnectAsync(options, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker refused the counting subscriber: {result.ResultCode}.");
        }

        var subscribed = await subscriber._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("devices/+/telemetry", (MqttQualityOfServiceLevel)qos)
            .Build(), cancellationToken);
        var code = subscribed.Items.Single().ResultCode;
        if ((int)code > 2)
        {
            throw new InvalidOperationException($"The broker refused the subscription: {code}.");
        }

        // The worker has not run since the broker started, so the broker's start gate still keeps devices out: open it
        // as the worker would once subscribed (same account).
        var opened = await subscriber._client.PublishAsync(BrokerGate.OpenMessage(), cancellationToken);
        if (!opened.IsSuccess)
        {
            throw new InvalidOperationException($"The broker refused to open its start gate: {opened.ReasonCode}.");
        }

        return subscriber;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
