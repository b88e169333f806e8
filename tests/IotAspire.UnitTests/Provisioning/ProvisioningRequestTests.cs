using System.Text;
using System.Text.Json;
using IotAspire.Core.Protocol;
using IotAspire.Core.Provisioning;

namespace IotAspire.UnitTests.Provisioning;

public class ProvisioningRequestTests
{
    private const string GoodPassword = "0123456789abcdef"; // exactly the minimum

    [Fact]
    public void TryParse_AllFields_ReturnsTheRequest()
    {
        var ok = Parse("dev-1", """{"password":"0123456789abcdef","name":"  Boiler  ","clientToken":"t1","extra":true}""",
            out var request, out var token, out var error);

        Assert.True(ok, error);
        Assert.Equal(new ProvisioningRequest("dev-1", GoodPassword, "Boiler", "t1"), request);
        Assert.Equal("t1", token);
    }

    [Theory]
    [InlineData("""{"password":"0123456789abcdef"}""")]
    [InlineData("""{"password":"0123456789abcdef","name":null}""")]
    [InlineData("""{"password":"0123456789abcdef","name":"   "}""")]
    public void TryParse_NoName_NamesTheDeviceByItsId(string payload)
    {
        Assert.True(Parse("dev-1", payload, out var request, out _, out _));
        Assert.Equal("dev-1", request!.Name);
        Assert.Null(request.ClientToken);
    }

    [Theory]
    [InlineData(ProvisioningRequest.MinPasswordLength, true)]
    [InlineData(ProvisioningRequest.MinPasswordLength - 1, false)]
    [InlineData(ProvisioningRequest.MaxPasswordLength, true)]
    [InlineData(ProvisioningRequest.MaxPasswordLength + 1, false)]
    public void TryParse_PasswordLength_IsBetween16And128(int length, bool valid)
    {
        var payload = JsonSerializer.Serialize(new { password = new string('p', length) });

        Assert.Equal(valid, Parse("dev-1", payload, out _, out _, out _));
    }

    public static TheoryData<string, string, string> Invalid => new()
    {
        { "bad id", """{"password":"0123456789abcdef"}""", "device id" },
        { "dev/1", """{"password":"0123456789abcdef"}""", "device id" },
        { "", """{"password":"0123456789abcdef"}""", "device id" },
        { new string('a', DeviceId.MaxLength + 1), """{"password":"0123456789abcdef"}""", "device id" },
        { "dev-1", """{}""", "'password' is required" },
        { "dev-1", """{"password":null}""", "'password' is required" },
        { "dev-1", """{"password":1234567890123456789}""", "'password' must be a string" },
        { "dev-1", """{"password":"0123456789abcdef\n"}""", "control characters" },
        { "dev-1", """{"password":"0123456789abcdef","name":42}""", "'name' must be a string" },
        { "dev-1", """{"password":"0123456789abcdef","clientToken":{}}""", "'clientToken' must be a string" },
        { "dev-1", """["password"]""", "JSON object" },
        { "dev-1", "null", "JSON object" },
        { "dev-1", "not json", "not valid UTF-8 JSON" },
        { "dev-1", """{"password":"0123456789abcdef\ud800"}""", "'password' is not valid text" },
        { "dev-1", "", "not valid UTF-8 JSON" },
        { "dev-1", """{"password":"0123456789abcdef","x":[[[[[1]]]]]}""", "not valid UTF-8 JSON" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TryParse_InvalidRequest_FailsSayingWhy(string deviceId, string payload, string reason)
    {
        var ok = Parse(deviceId, payload, out var request, out _, out var error);

        Assert.False(ok);
        Assert.Null(request);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NotUtf8_Fails()
    {
        var payload = new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' };

        Assert.False(ProvisioningRequest.TryParse("dev-1", payload, out _, out _, out var error));
        Assert.Contains("UTF-8 JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TooLarge_FailsBeforeParsing()
    {
        var payload = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { password = GoodPassword, name = new string('n', ProvisioningRequest.MaxPayloadBytes) }));

        Assert.False(ProvisioningRequest.TryParse("dev-1", payload, out _, out _, out var error));
        Assert.Contains("larger than", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NameTooLong_Fails()
    {
        var payload = JsonSerializer.Serialize(new { password = GoodPassword, name = new string('n', ProvisioningRequest.MaxNameLength + 1) });

        Assert.False(Parse("dev-1", payload, out _, out _, out var error));
        Assert.Contains("'name'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_RejectedWithAToken_StillReturnsTheTokenForTheAnswer()
    {
        Assert.False(Parse("bad id", """{"password":"x","clientToken":"abc"}""", out _, out var token, out _));
        Assert.Equal("abc", token);
    }

    [Fact]
    public void TryParse_OverlongToken_IsNotEchoed()
    {
        var payload = JsonSerializer.Serialize(new { password = GoodPassword, clientToken = new string('t', ProvisioningRequest.MaxClientTokenLength + 1) });

        Assert.False(Parse("dev-1", payload, out _, out var token, out _));
        Assert.Null(token);
    }

    [Fact]
    public void Responses_RoundTrip_AndNeverCarryAPassword()
    {
        var accepted = ProvisioningResponse.AcceptedPayload("dev-1", "t1");
        var rejected = ProvisioningResponse.RejectedPayload(409, "taken", null);

        Assert.True(ProvisioningResponse.TryRead(accepted, out var status, out var code, out _, out var token));
        Assert.Equal(("accepted", 200, "t1"), (status, code, token));
        Assert.True(ProvisioningResponse.TryRead(rejected, out status, out code, out var message, out token));
        Assert.Equal(("rejected", 409, "taken", (string?)null), (status, code, message, token));
        Assert.Equal("""{"status":"accepted","deviceId":"dev-1","clientToken":"t1"}""", Encoding.UTF8.GetString(accepted));
    }

    [Theory]
    [InlineData("provisioning/dev-1/request", "dev-1")]
    [InlineData("provisioning/bad id/request", "bad id")]
    [InlineData("provisioning//request", "")]
    [InlineData("provisioning/dev-1/response", null)]
    [InlineData("devices/dev-1/request", null)]
    [InlineData("provisioning/a/b/request", null)]
    public void SegmentOf_Topic_ReturnsTheSecondLevelOfRequestsOnly(string topic, string? expected)
    {
        Assert.Equal(expected, ProvisioningTopics.SegmentOf(topic));
    }

    private static bool Parse(string deviceId, string payload, out ProvisioningRequest? request, out string? token, out string? error) =>
        ProvisioningRequest.TryParse(deviceId, Encoding.UTF8.GetBytes(payload), out request, out token, out error);
}
