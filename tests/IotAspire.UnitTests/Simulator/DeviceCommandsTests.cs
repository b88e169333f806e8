using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Simulator.Devices;

namespace IotAspire.UnitTests.Simulator;

public sealed class DeviceCommandsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_151_200_123);

    private static CommandAnswer Answer(string name, string payload, DeviceSettings? settings = null) =>
        DeviceCommands.Answer(name, Encoding.UTF8.GetBytes(payload), settings ?? new DeviceSettings(TimeSpan.FromSeconds(5)), Now);

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    [Fact]
    public void Answer_Ping_ReturnsPongWithUnixMilliseconds()
    {
        var answer = Answer("ping", "{}");

        Assert.Equal(200, answer.Status);
        Assert.Equal(CommandAction.None, answer.Action);
        AssertJson("""{"status":200,"payload":{"pong":1764151200123}}""", JsonNode.Parse(answer.ToResponse()));
    }

    [Fact]
    public void Answer_PingWithoutPayload_StillAnswers()
    {
        Assert.Equal(200, Answer("ping", "").Status);
    }

    [Fact]
    public void Answer_SetIntervalValid_ChangesIntervalAndAsksForAReport()
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));

        var answer = Answer("setInterval", """{"seconds":30}""", settings);

        Assert.Equal(200, answer.Status);
        Assert.Equal(CommandAction.ReportInterval, answer.Action);
        AssertJson("""{"interval":30}""", answer.Payload);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Interval);
    }

    [Theory]
    [InlineData("""{"seconds":0}""")]
    [InlineData("""{"seconds":3601}""")]
    [InlineData("""{"seconds":"30"}""")]
    [InlineData("""{"interval":30}""")]
    [InlineData("[30]")]
    [InlineData("not json")]
    [InlineData("")]
    public void Answer_SetIntervalInvalid_Returns400AndKeepsInterval(string payload)
    {
        var settings = new DeviceSettings(TimeSpan.FromSeconds(5));

        var answer = Answer("setInterval", payload, settings);

        Assert.Equal(400, answer.Status);
        Assert.Equal(CommandAction.None, answer.Action);
        Assert.NotNull(answer.Payload["error"]);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Interval);
    }

    [Fact]
    public void Answer_Reboot_Returns200AndAsksForAReboot()
    {
        var answer = Answer("reboot", "{}");

        Assert.Equal(200, answer.Status);
        Assert.Equal(CommandAction.Reboot, answer.Action);
    }

    [Theory]
    [InlineData("selfDestruct")]
    [InlineData("Ping")]
    public void Answer_UnknownCommand_Returns404UnknownCommand(string name)
    {
        var answer = Answer(name, "{}");

        Assert.Equal(CommandAction.None, answer.Action);
        AssertJson("""{"status":404,"payload":{"error":"unknown command"}}""", JsonNode.Parse(answer.ToResponse()));
    }
}
