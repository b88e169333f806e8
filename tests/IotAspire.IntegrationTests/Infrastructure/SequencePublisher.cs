using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// A device (MQTTnet, its own account) that publishes numbered telemetry at QoS 1: message i is <c>{"ts", "seq": i}</c>
/// with ts = start + i x 10 ms, so every message is one distinct point and a count of "seq" rows checks loss and duplicates.
/// </summary>
public sealed class SequencePublisher : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private readonly IMqttClient _client;
    private readonly string _deviceId;

    private SequencePublisher(IMqttClient client, string deviceId)
    {
        _client = client;
        _deviceId = deviceId;
    }

    public static async Task<SequencePublisher> ConnectAsync(StackFixture stack, DeviceCredentials device)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(device.Host == "localhost" ? stack.Broker.Host : device.Host, device.Port)
            .WithCredentials(device.Username, device.Password)
            .WithClientId(device.Username)
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        return new SequencePublisher(client, device.Id);
    }

    /// <summary>Publishes messages <paramref name="from"/> .. from + count - 1, each acknowledged by the broker before the next.</summary>
    public async Task PublishAsync(int from, int count, Action<int>? before = null)
    {
        for (var i = from; i < from + count; i++)
        {
            before?.Invoke(i);
            var ts = Start.AddMilliseconds(i * 10).ToString("O", CultureInfo.InvariantCulture);
            var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic($"devices/{_deviceId}/telemetry")
                .WithPayload($$"""{"ts":"{{ts}}","seq":{{i}}}""")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            Assert.True(result.IsSuccess, $"message {i}: {result.ReasonCode}");
        }
    }

    public Task DisconnectAsync() => _client.DisconnectAsync();

    public void Dispose() => _client.Dispose();
}
