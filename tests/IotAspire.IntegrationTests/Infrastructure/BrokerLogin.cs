using MQTTnet;

namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// Whether the broker lets a user name and password in (MQTT 5 CONNACK). A service account connects with a client id of
/// its own, so no session is taken over; a device's account only with its fixed client id (its device id).
/// </summary>
public static class BrokerLogin
{
    public static async Task<MqttClientConnectResultCode> TryAsync(StackFixture stack, string username, string password, string? clientId = null)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(stack.Broker.Host, stack.Broker.Port)
            .WithCredentials(username, password)
            .WithClientId(clientId ?? $"login-probe-{Guid.NewGuid():N}")
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        if (client.IsConnected)
        {
            await client.DisconnectAsync();
        }

        return result.ResultCode;
    }
}
