using System.Buffers;
using System.Text;
using IotAspire.Api.Commands;

namespace IotAspire.UnitTests.Api;

public sealed class CommandsTests
{
    private const string RequestId = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("reboot", true)]
    [InlineData("set_Interval-2.x", true)]
    [InlineData("response", false)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("a+b", false)]
    [InlineData("#", false)]
    public void IsValidName_FollowsTheTopicLevelRule(string name, bool valid) => Assert.Equal(valid, CommandRules.IsValidName(name));

    [Fact]
    public void IsValidName_65Characters_IsInvalid() => Assert.False(CommandRules.IsValidName(new string('a', 65)));

    [Theory]
    [InlineData(4, false)]
    [InlineData(5, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void IsValidTimeout_Is5To300Seconds(int seconds, bool valid) => Assert.Equal(valid, CommandRules.IsValidTimeout(seconds));

    [Fact]
    public void NewRequestId_IsAValidRequestId() => Assert.True(CommandRules.IsValidRequestId(CommandRules.NewRequestId()));

    [Fact]
    public void ResponseTopic_WellFormed_GivesDeviceAndRequest()
    {
        Assert.True(CommandResponseTopic.TryParse($"devices/dev-1/commands/response/{RequestId}", out var device, out var request));
        Assert.Equal("dev-1", device);
        Assert.Equal(RequestId, request);
    }

    [Theory]
    [InlineData("devices/dev-1/commands/ping/0123456789abcdef0123456789abcdef")]
    [InlineData("devices/dev-1/commands/response/not-an-id")]
    [InlineData("devices/dev 1/commands/response/0123456789abcdef0123456789abcdef")]
    [InlineData("devices/dev-1/commands/response/0123456789abcdef0123456789abcdef/x")]
    [InlineData("other/dev-1/commands/response/0123456789abcdef0123456789abcdef")]
    public void ResponseTopic_Other_IsRejected(string topic) => Assert.False(CommandResponseTopic.TryParse(topic, out _, out _));

    [Fact]
    public void CommandResult_DeviceAnswer_KeepsStatusAndPayload()
    {
        var result = CommandResult.TryParse(Bytes("""{"status":202,"payload":{"a":[1,2]}}"""));

        Assert.Equal(202, result!.Status);
        Assert.Equal("""{"a":[1,2]}""", result.Payload!.ToJsonString());
    }

    [Fact]
    public void CommandResult_NoPayload_IsNullPayload() => Assert.Null(CommandResult.TryParse(Bytes("""{"status":200}"""))!.Payload);

    [Theory]
    [InlineData("""{"payload":1}""")]
    [InlineData("""{"status":"200"}""")]
    [InlineData("""{"status":1.5}""")]
    [InlineData("""[1]""")]
    [InlineData("""nope""")]
    [InlineData("")]
    public void CommandResult_Malformed_IsNull(string json) => Assert.Null(CommandResult.TryParse(Bytes(json)));

    [Fact]
    public async Task PendingCommands_AnswerFromTheDevice_CompletesTheRequest()
    {
        var pending = new PendingCommands();
        using var command = pending.Register("dev-1", RequestId);

        Assert.True(pending.TryComplete("dev-1", RequestId, Bytes("""{"status":200,"payload":"ok"}""")));
        Assert.Equal(200, (await command.Response)!.Status);
    }

    [Fact]
    public void PendingCommands_AnswerFromAnotherDeviceOrForAnotherReplica_IsIgnored()
    {
        var pending = new PendingCommands();
        using var command = pending.Register("dev-1", RequestId);

        Assert.False(pending.TryComplete("dev-2", RequestId, Bytes("""{"status":200}""")));
        Assert.False(pending.TryComplete("dev-1", "ffffffffffffffffffffffffffffffff", Bytes("""{"status":200}""")));
        Assert.False(command.Response.IsCompleted);
    }

    [Fact]
    public void PendingCommands_Disposed_ForgetsTheRequest()
    {
        var pending = new PendingCommands();
        pending.Register("dev-1", RequestId).Dispose();

        Assert.Equal(0, pending.Count);
        Assert.False(pending.TryComplete("dev-1", RequestId, Bytes("""{"status":200}""")));
    }

    [Fact]
    public async Task PendingCommands_MalformedAnswer_CompletesWithNull()
    {
        var pending = new PendingCommands();
        using var command = pending.Register("dev-1", RequestId);

        Assert.True(pending.TryComplete("dev-1", RequestId, Bytes("garbage")));
        Assert.Null(await command.Response);
    }

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.UTF8.GetBytes(text));
}
