using System.Diagnostics;
using IotAspire.DeviceWorker.Messaging;

namespace IotAspire.UnitTests.Worker;

public class DeviceMessageTests
{
    [Fact]
    public void ParentContext_TraceparentUserProperty_IsParsed()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        var message = DeviceMessage.Create("devices/d/telemetry", "{}"u8.ToArray(), DateTimeOffset.UtcNow) with
        {
            UserProperties = [KeyValuePair.Create("traceparent", $"00-{traceId}-{spanId}-01")],
        };

        Assert.Equal(traceId, message.ParentContext.TraceId);
        Assert.Equal(spanId, message.ParentContext.SpanId);
        Assert.True(message.ParentContext.IsRemote);
    }

    [Fact]
    public void ParentContext_NoOrBadTraceparent_IsDefault()
    {
        var message = DeviceMessage.Create("devices/d/telemetry", "{}"u8.ToArray(), DateTimeOffset.UtcNow);

        Assert.Equal(default, message.ParentContext);
        Assert.Equal(default, (message with { UserProperties = [KeyValuePair.Create("traceparent", "garbage")] }).ParentContext);
    }

    [Theory]
    [InlineData("devices/dev-1/telemetry", "dev-1")]
    [InlineData("devices/dev-1/alarms/high", "dev-1")]
    [InlineData("other/dev-1/telemetry", null)]
    public void Create_Topic_TakesDeviceIdFromIt(string topic, string? deviceId)
    {
        Assert.Equal(deviceId, DeviceMessage.Create(topic, ReadOnlyMemory<byte>.Empty, DateTimeOffset.UtcNow).DeviceId);
    }
}
