namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>The real command-line client a user would try first. The message goes through stdin (-s): no argument-length limit.</summary>
public static class MosquittoCli
{
    public static Task<ProcessRunner.Result> PublishAsync(
        StackFixture stack, DeviceCredentials device, string topic, string message,
        int qos = 1, string? password = null, string protocol = "mqttv5", string? clientId = null) =>
        ProcessRunner.RunAsync("mosquitto_pub",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", password ?? device.Password, "-i", clientId ?? device.Username,
            "-V", protocol, "-q", qos.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-t", topic, "-s",
        ], standardInput: message);
}
