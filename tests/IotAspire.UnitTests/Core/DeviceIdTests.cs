using IotAspire.Core.Protocol;

namespace IotAspire.UnitTests.Core;

public sealed class DeviceIdTests
{
    [Theory]
    [InlineData("dev-1")]
    [InlineData("A.b_C-9")]
    [InlineData("x")]
    [InlineData("1234567890123456789012345678901234567890123456789012345678901234")]
    public void IsValid_AllowedCharactersUpTo64_True(string id) => Assert.True(DeviceId.IsValid(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a+b")]
    [InlineData("a#")]
    [InlineData("with space")]
    [InlineData("ümlaut")]
    [InlineData("a%2Fb")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345")]
    public void IsValid_AnythingElse_False(string? id) => Assert.False(DeviceId.IsValid(id));

    [Theory]
    [InlineData("devices/dev-1/telemetry", "dev-1")]
    [InlineData("devices/dev-1", "dev-1")]
    [InlineData("devices/a+b/telemetry", null)]
    [InlineData("other/dev-1/telemetry", null)]
    [InlineData("devices//telemetry", null)]
    public void DeviceIdOf_Topic_ReturnsTheIdOrNull(string topic, string? expected) =>
        Assert.Equal(expected, DeviceTopics.DeviceIdOf(topic));
}
