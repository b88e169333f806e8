using IotAspire.Core.Protocol;

namespace IotAspire.UnitTests.Worker;

public class TopicFilterTests
{
    [Theory]
    [InlineData("devices/+/telemetry", "devices/dev-1/telemetry")]
    [InlineData("devices/+/alarms", "devices/dev-1/alarms")]
    [InlineData("devices/#", "devices/dev-1/shadow/update")]
    [InlineData("devices/#", "devices")]
    [InlineData("#", "anything/at/all")]
    [InlineData("devices/+/+/update", "devices/d/shadow/update")]
    [InlineData("a/b", "a/b")]
    [InlineData("devices/+", "devices/")]
    public void Matches_MatchingTopic_ReturnsTrue(string filter, string topic)
    {
        Assert.True(TopicFilter.Matches(filter, topic));
    }

    [Theory]
    [InlineData("devices/+/telemetry", "devices/dev-1/alarms")]
    [InlineData("devices/+/telemetry", "devices/dev-1/telemetry/extra")]
    [InlineData("devices/+/telemetry", "devices/telemetry")]
    [InlineData("devices/+", "devices/a/b")]
    [InlineData("a/b", "a/bc")]
    [InlineData("a/b", "a")]
    [InlineData("devices/#", "other/x")]
    public void Matches_OtherTopic_ReturnsFalse(string filter, string topic)
    {
        Assert.False(TopicFilter.Matches(filter, topic));
    }

    [Theory]
    [InlineData("devices/+/telemetry")]
    [InlineData("devices/#")]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("a/+/b/#")]
    public void IsValidFilter_WellFormed_ReturnsTrue(string filter)
    {
        Assert.True(TopicFilter.IsValidFilter(filter));
    }

    [Theory]
    [InlineData("")]
    [InlineData("devices/#/x")]
    [InlineData("devices/a#")]
    [InlineData("devices/a+/b")]
    [InlineData("devices/++")]
    public void IsValidFilter_Malformed_ReturnsFalse(string filter)
    {
        Assert.False(TopicFilter.IsValidFilter(filter));
    }
}
