using System.Collections.Concurrent;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Faults;

/// <summary>
/// A device as a careful one is written: numbered QoS 1 telemetry (message i is one point, "seq" = i, at a timestamp of
/// its own), each message sent again until the broker acknowledges it, reconnecting whenever the connection is lost.
/// What it counts as acknowledged is exactly what the system told it was stored.
/// </summary>
public sealed class ReconnectingPublisher(StackFixture stack, DeviceCredentials device) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<int, byte> _acknowledged = new();

    public string DeviceId => device.Id;

    public int Acknowledged => _acknowledged.Count;

    /// <summary>When the broker last acknowledged a message of this device.</summary>
    public DateTime LastAcknowledged { get; private set; }

    /// <summary>Successful connections, the first included.</summary>
    public int Connects { get; private set; }

    /// <summary>Sends messages <paramref name="from"/> .. from + count - 1, <paramref name="pause"/> apart.</summary>
    public async Task RunAsync(int from, int count, TimeSpan pause, CancellationToken cancellationToken)
    {
        for (var i = from; i < from + count; i++)
        {
            while (!await TryPublishAsync(i, cancellationToken))
            {
                await Task.Delay(100, cancellationToken);
            }

            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, cancellationToken);
            }
        }
    }

    private async Task<bool> TryPublishAsync(int i, CancellationToken cancellationToken)
    {
        try
        {
            if (!_client.IsConnected)
            {
                var connected = await _client.ConnectAsync(new MqttClientOptionsBuilder()
                    .WithTcpServer(stack.Broker.Host, stack.Broker.Port)
                    .WithCredentials(device.Username, device.Password)
                    .WithClientId(device.Username)
                    .WithTimeout(TimeSpan.FromSeconds(5))
                    .Build(), cancellationToken);
                if (connected.ResultCode != MqttClientConnectResultCode.Success)
                {
                    return false;
                }

                Connects++;
            }

            var ts = Start.AddMilliseconds(i * 10).ToString("O", CultureInfo.InvariantCulture);
            var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"devices/{device.Id}/telemetry")
                .WithPayload($$"""{"ts":"{{ts}}","seq":{{i}}}""")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), cancellationToken);
            if (result.IsSuccess)
            {
                _acknowledged[i] = 0;
                LastAcknowledged = DateTime.UtcNow;
                return true;
            }

            return false;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The broker went away mid-publish: not acknowledged, so sent again once connected.
            return false;
        }
    }

    public void Dispose() => _client.Dispose();
}
