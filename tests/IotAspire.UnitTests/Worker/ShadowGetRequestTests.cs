using System.Text;
using IotAspire.DeviceWorker.Shadows;

namespace IotAspire.UnitTests.Worker;

public sealed class ShadowGetRequestTests
{
    [Theory]
    [InlineData("", null)]
    [InlineData("{}", null)]
    [InlineData("""{"clientToken":"abc-1"}""", "abc-1")]
    public void ReadRequest_ValidRequest_ReturnsItsClientToken(string payload, string? token)
    {
        var (clientToken, error) = ShadowGetHandler.ReadRequest(Encoding.UTF8.GetBytes(payload));
        Assert.Null(error);
        Assert.Equal(token, clientToken);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    [InlineData("""{"clientToken":5}""")]
    public void ReadRequest_InvalidRequest_Is400(string payload)
    {
        var (_, error) = ShadowGetHandler.ReadRequest(Encoding.UTF8.GetBytes(payload));
        Assert.Equal(400, error?.Code);
    }
}
