using System.Text.Json.Nodes;
using IotAspire.Simulator.Devices;

namespace IotAspire.UnitTests.Simulator;

public sealed class DeviceSettingsTests
{
    private static JsonObject State(string json) => JsonNode.Parse(json)!.AsObject();

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    [Fact]
    public void Reported_NewDevice_IsLedOffIntervalAndFirmware()
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));

        AssertJson("""{"led":"off","interval":5,"firmware":"1.0.0"}""", settings.Reported());
    }

    [Fact]
    public void Reported_SubSecondLoadPeriod_IsDecimalSeconds()
    {
        var settings = new DeviceSettings(TimeSpan.FromMilliseconds(250));

        AssertJson("""{"led":"off","interval":0.25,"firmware":"1.0.0"}""", settings.Reported());
    }

    [Fact]
    public void ApplyDelta_LedAndInterval_AppliesAndReportsBoth()
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));

        var outcome = settings.ApplyDelta(State("""{"led":"on","interval":60}"""));

        AssertJson("""{"led":"on","interval":60}""", outcome.Reported);
        Assert.Empty(outcome.Ignored);
        Assert.True(outcome.IntervalChanged);
        Assert.Equal("on", settings.Led);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Interval);
    }

    [Fact]
    public void ApplyDelta_SameInterval_ReportsItWithoutChange()
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));

        var outcome = settings.ApplyDelta(State("""{"interval":5}"""));

        AssertJson("""{"interval":5}""", outcome.Reported);
        Assert.False(outcome.IntervalChanged);
    }

    [Theory]
    [InlineData("""{"led":"blue"}""", "led")]
    [InlineData("""{"led":true}""", "led")]
    [InlineData("""{"interval":0}""", "interval")]
    [InlineData("""{"interval":3601}""", "interval")]
    [InlineData("""{"interval":2.5}""", "interval")]
    [InlineData("""{"interval":"10"}""", "interval")]
    [InlineData("""{"firmware":"2.0.0"}""", "firmware")]
    [InlineData("""{"color":"red"}""", "color")]
    public void ApplyDelta_UnsupportedFieldOrValue_IgnoresItAndKeepsState(string delta, string field)
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));

        var outcome = settings.ApplyDelta(State(delta));

        Assert.Empty(outcome.Reported);
        Assert.Equal([field], outcome.Ignored);
        AssertJson("""{"led":"off","interval":5,"firmware":"1.0.0"}""", settings.Reported());
    }

    [Fact]
    public void ApplyDelta_MixedValidAndInvalid_ReportsOnlyTheApplied()
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));

        var outcome = settings.ApplyDelta(State("""{"led":"on","interval":-1,"mode":"eco"}"""));

        AssertJson("""{"led":"on"}""", outcome.Reported);
        Assert.Equal(["interval", "mode"], outcome.Ignored);
        Assert.False(outcome.IntervalChanged);
    }

    [Theory]
    [InlineData("1", true, 1)]
    [InlineData("3600", true, 3600)]
    [InlineData("30.0", true, 30)]
    [InlineData("0", false, 0)]
    [InlineData("3601", false, 0)]
    [InlineData("1.5", false, 0)]
    [InlineData("\"5\"", false, 0)]
    [InlineData("null", false, 0)]
    public void TryReadInterval_Value_AcceptsWholeSecondsInRange(string json, bool valid, int expected)
    {
        var accepted = DeviceSettings.TryReadInterval(JsonNode.Parse(json), out var seconds);

        Assert.Equal(valid, accepted);
        Assert.Equal(expected, seconds);
    }
}
