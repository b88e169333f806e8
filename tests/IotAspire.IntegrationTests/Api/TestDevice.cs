using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Core.Protocol;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAspire.IntegrationTests.Api;

/// <summary>
/// A device on MQTTnet (MQTT 5 or 3.1.1): announces itself online (retained status, Last Will offline) and, when given
/// an answer, answers every command: on the MQTT 5 response topic when there is one, else on the protocol's plain topic.
/// </summary>
public sealed class TestDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly DeviceCredentials _credentials;

    private TestDevice(IMqttClient client, DeviceCredentials credentials)
    {
        _client = client;
        _credentials = credentials;
    }

    /// <summary>The commands received: name and payload.</summary>
    public List<(string Name, JsonNode? Payload, string? ResponseTopic)> Commands { get; } = [];

    public static async Task<TestDevice> ConnectAsync(
        StackFixture stack, DeviceCredentials credentials, MqttProtocolVersion version, Func<string, JsonNode?, JsonObject>? answer)
    {
        var offline = Encoding.UTF8.GetBytes("""{"online":false}""");
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(stack.Broker.Host, stack.Broker.Port)
            .WithProtocolVersion(version)
            .WithClientId(credentials.Username)
            .WithCredentials(credentials.Username, credentials.Password)
            .WithWillTopic(DeviceTopics.Status(credentials.Id))
            .WithWillPayload(offline)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithCleanSession()
            .Build();
        var client = new MqttClientFactory().CreateMqttClient();
        var device = new TestDevice(client, credentials);
        client.ApplicationMessageReceivedAsync += e => device.OnCommandAsync(e, answer);

        var connected = await client.ConnectAsync(options);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"devices/{credentials.Id}/commands/+/+", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(DeviceTopics.Status(credentials.Id))
            .WithPayload("""{"online":true}""")
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        return device;
    }

    private async Task OnCommandAsync(MqttApplicationMessageReceivedEventArgs e, Func<string, JsonNode?, JsonObject>? answer)
    {
        var levels = e.ApplicationMessage.Topic.Split('/');
        if (levels.Length != 5 || levels[3] == "response")
        {
            return; // Our own answers come back through the filter.
        }

        var payload = JsonNode.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
        lock (Commands)
        {
            Commands.Add((levels[3], payload, e.ApplicationMessage.ResponseTopic));
        }

        if (answer is null)
        {
            return;
        }

        var responseTopic = e.ApplicationMessage.ResponseTopic ?? CommandTopics.Response(_credentials.Id, levels[4]);
        var reply = new MqttApplicationMessageBuilder()
            .WithTopic(responseTopic)
            .WithPayload(answer(levels[3], payload).ToJsonString())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (e.ApplicationMessage.CorrelationData is { Length: > 0 } correlation)
        {
            reply.WithCorrelationData(correlation);
        }

        await _client.PublishAsync(reply.Build());
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            // Going offline on purpose, as a well-behaved device does, before the clean disconnect (which suppresses the will).
            await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(DeviceTopics.Status(_credentials.Id))
                .WithPayload("""{"online":false}""")
                .WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
