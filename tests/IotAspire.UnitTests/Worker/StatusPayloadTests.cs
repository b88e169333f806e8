using System.Text;
using IotAspire.DeviceWorker.Presence;

namespace IotAspire.UnitTests.Worker;

public sealed class StatusPayloadTests
{
    [Theory]
    [InlineData("""{"online":true}""", true)]
    [InlineData("""{"online":false}""", false)]
    [InlineData("""{ "online" : true, "reason": "boot", "fw": 3 }""", true)]
    public void Parse_ValidStatus_ReturnsTheFlag(string payload, bool expected)
    {
        Assert.Equal(expected, StatusPayload.Parse(Encoding.UTF8.GetBytes(payload), out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("online")]
    [InlineData("true")]
    [InlineData("[true]")]
    [InlineData("{}")]
    [InlineData("""{"online":"true"}""")]
    [InlineData("""{"online":1}""")]
    [InlineData("""{"online":null}""")]
    [InlineData("""{"online":true""")]
    public void Parse_InvalidStatus_ReturnsNullWithAReason(string payload)
    {
        Assert.Null(StatusPayload.Parse(Encoding.UTF8.GetBytes(payload), out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
