using System.Text;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Messaging;
using IotAspire.DeviceWorker.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace IotAspire.UnitTests.Worker;

/// <summary>The telemetry handler's refusals, which never reach the database.</summary>
public class TelemetryMessageHandlerTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 26, 10, 0, 0, TimeSpan.Zero);
    private readonly RecordingDeadLetterSink _deadLetters = new();

    private async Task<DeadLetter> HandleAndGetDeadLetterAsync(string topic, byte[] payload)
    {
        var builder = WorkerComposition.Create(_deadLetters, new HandledMessages());
        await using var provider = builder.Services.BuildServiceProvider(validateScopes: true);
        await using var scope = provider.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<TelemetryMessageHandler>();

        var handling = handler.HandleAsync(DeviceMessage.Create(topic, payload, Now), CancellationToken.None);

        await handling.WaitAsync(TimeSpan.FromSeconds(10));
        return Assert.Single(_deadLetters.Written);
    }

    [Fact]
    public async Task HandleAsync_PayloadOver128KB_DeadLettersWithoutParsing()
    {
        var payload = new byte[128 * 1024 + 1];
        payload.AsSpan().Fill((byte)'x');

        var deadLetter = await HandleAndGetDeadLetterAsync("devices/dev-1/telemetry", payload);

        Assert.Equal(DeadLetterKinds.PayloadTooLarge, deadLetter.Kind);
        Assert.Contains("131073 bytes", deadLetter.Reason);
        Assert.Equal(payload.Length, deadLetter.Payload.Length);
    }

    [Fact]
    public async Task HandleAsync_DeviceIdMismatch_DeadLettersWithParserReason()
    {
        var payload = Encoding.UTF8.GetBytes("""{"deviceId":"dev-2","values":[{"name":"t","value":1}]}""");

        var deadLetter = await HandleAndGetDeadLetterAsync("devices/dev-1/telemetry", payload);

        Assert.Equal(DeadLetterKinds.InvalidPayload, deadLetter.Kind);
        Assert.Contains("does not match", deadLetter.Reason);
        Assert.Equal("dev-1", deadLetter.DeviceId);
    }

    [Fact]
    public async Task HandleAsync_TopicWithInvalidDeviceId_DeadLetters()
    {
        var deadLetter = await HandleAndGetDeadLetterAsync("devices/bad id!/telemetry", "{\"t\":1}"u8.ToArray());

        Assert.Equal(DeadLetterKinds.InvalidTopic, deadLetter.Kind);
        Assert.Null(deadLetter.DeviceId);
    }
}
