using IotAspire.Core.Events;
using IotAspire.Core.Telemetry;
using IotAspire.DeviceWorker.Events;

namespace IotAspire.UnitTests.Worker;

public sealed class TelemetryEventsTests
{
    [Fact]
    public void For_MixedValues_KeepsEachValueAsItsJsonKind()
    {
        var at = new DateTimeOffset(2026, 1, 1, 12, 0, 0, 250, TimeSpan.Zero);
        TelemetryPoint[] points =
        [
            new("temperature", at, TelemetryValue.FromNumber(21.5)),
            new("door", at, TelemetryValue.FromText("open")),
            new("heater", at.AddSeconds(1), TelemetryValue.FromBoolean(true)),
        ];

        var deviceEvent = TelemetryEvents.For("dev-1", points);

        Assert.Equal(DeviceEvent.Telemetry, deviceEvent.Type);
        Assert.Equal("dev-1", deviceEvent.DeviceId);
        Assert.Equal(
            """{"deviceId":"dev-1","values":[{"name":"temperature","t":"2026-01-01T12:00:00.25Z","value":21.5},{"name":"door","t":"2026-01-01T12:00:00.25Z","value":"open"},{"name":"heater","t":"2026-01-01T12:00:01.25Z","value":true}]}""",
            deviceEvent.Data.ToJsonString());
    }
}
