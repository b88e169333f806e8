using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// A device on MQTTnet for the smoke: announces itself online, answers every command with its name, records shadow
/// deltas, publishes QoS 1 telemetry and connects again after a broker restart.
/// </summary>
public sealed class SmokeDevice(SmokeTarget target, DeviceCredentials credentials) : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<JsonNode> Deltas { get; } = new();

    public string Id => credentials.Id;

    public static async Task<SmokeDevice> ConnectAsync(SmokeTarget target, DeviceCredentials credentials)
    {
        var device = new SmokeDevice(target, credentials);
        device._client.ApplicationMessageReceivedAsync += device.OnMessageAsync;
        await device.ConnectAsync(TimeSpan.FromSeconds(10));
        return device;
    }

    /// <summary>
    /// Connects (again), subscribes and announces itself. After a broker start the gate refuses devices until the worker
    /// is subscribed again, so a refusal is retried until the deadline.
    /// </summary>
    public async Task ConnectAsync(TimeSpan timeout)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(target.BrokerHost, target.BrokerPort)
            .WithClientId(credentials.Username)
            .WithCredentials(credentials.Username, credentials.Password)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithCleanSession()
            .Build();
        await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    return (await _client.ConnectAsync(options)).ResultCode;
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
                {
                    return MqttClientConnectResultCode.ServerUnavailable;
                }
            },
            code => code == MqttClientConnectResultCode.Success,
            timeout,
            $"device {credentials.Id} connected");
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{credentials.Id}/commands/+/+", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter($"devices/{credentials.Id}/shadow/update/delta", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        await PublishAsync("status", """{"online":true}""", retain: true);
    }

    /// <summary>Publishes at QoS 1 and returns only once the broker acknowledged it.</summary>
    public async Task PublishAsync(string suffix, string payload, bool retain = false)
    {
        var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"devices/{credentials.Id}/{suffix}")
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.True(result.IsSuccess, $"publish to {suffix} was not acknowledged: {result.ReasonCode}");
    }

    public Task WaitForDisconnectAsync(TimeSpan timeout) =>
        Eventually.ReturnsAsync(() => Task.FromResult(_client.IsConnected), connected => !connected, timeout, $"device {Id} disconnected");

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var levels = e.ApplicationMessage.Topic.Split('/');
        var payload = JsonNode.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
        if (levels is [_, _, "shadow", "update", "delta"] && payload is not null)
        {
            Deltas.Enqueue(payload);
            return;
        }

        if (levels is [_, _, "commands", var name, var requestId] && name != "response")
        {
            var reply = new MqttApplicationMessageBuilder()
                .WithTopic(e.ApplicationMessage.ResponseTopic ?? $"devices/{credentials.Id}/commands/response/{requestId}")
                .WithPayload(new JsonObject { ["status"] = 200, ["payload"] = new JsonObject { ["name"] = name, ["echo"] = payload?.DeepClone() } }.ToJsonString())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (e.ApplicationMessage.CorrelationData is { Length: > 0 } correlation)
            {
                reply.WithCorrelationData(correlation);
            }

            await _client.PublishAsync(reply.Build());
        }
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
