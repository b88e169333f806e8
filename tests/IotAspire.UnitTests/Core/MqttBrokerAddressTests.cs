using IotAspire.Core.Mqtt;

namespace IotAspire.UnitTests.Core;

public sealed class MqttBrokerAddressTests
{
    [Theory]
    [InlineData("mqtt://127.0.0.1:1883", "127.0.0.1", 1883)]
    [InlineData("mqtt://broker.example:21883", "broker.example", 21883)]
    [InlineData("localhost:4000", "localhost", 4000)]
    [InlineData("mqtt://broker", "broker", 1883)]
    public void Parse_Address_HostAndPort(string text, string host, int port) =>
        Assert.Equal(new MqttBrokerAddress(host, port), MqttBrokerAddress.Parse(text));

    [Fact]
    public void Parse_Missing_ExplainsWhatIsExpected()
    {
        var error = Assert.Throws<InvalidOperationException>(() => MqttBrokerAddress.Parse(null));

        Assert.Contains("ConnectionStrings:mqtt", error.Message, StringComparison.Ordinal);
    }
}
