using System.Diagnostics;
using IotAspire.Core.Telemetry;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Messaging;
using Microsoft.Extensions.Options;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// <c>devices/+/telemetry</c>: parses the payload, dead-letters what cannot be stored, and hands the points to
/// the commit queue. Returns only after they are committed, so the message is acknowledged after the commit.
/// </summary>
public sealed class TelemetryMessageHandler(
    TelemetryCommitQueue writer,
    IDeadLetterSink deadLetters,
    IOptions<TelemetryOptions> options) : IDeviceMessageHandler
{
    public async Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxPayloadBytes;
        if (message.Payload.Length > maxBytes)
        {
            await DeadLetterAsync(message, DeadLetterKinds.PayloadTooLarge,
                $"payload too large: {message.Payload.Length} bytes (limit {maxBytes})", cancellationToken);
            return;
        }

        if (message.DeviceId is not { } deviceId)
        {
            await DeadLetterAsync(message, DeadLetterKinds.InvalidTopic, "the topic carries no valid device id", cancellationToken);
            return;
        }

        var parsed = TelemetryParser.Parse(message.Payload.Span, deviceId, message.ReceivedAt, options.Value.Window);
        if (!parsed.IsAccepted)
        {
            await DeadLetterAsync(message, DeadLetterKinds.InvalidPayload, parsed.Rejection!, cancellationToken);
            return;
        }

        var traceContext = Activity.Current?.Context ?? message.ParentContext;
        var outcome = await writer.WriteAsync(new PendingWrite(deviceId, parsed.Points, message.ReceivedAt, traceContext), cancellationToken);
        if (outcome == WriteOutcome.DeviceNotRegistered)
        {
            await DeadLetterAsync(message, DeadLetterKinds.DeviceNotRegistered, "device not registered", cancellationToken);
        }
    }

    private Task DeadLetterAsync(DeviceMessage message, string kind, string reason, CancellationToken cancellationToken) =>
        deadLetters.WriteAsync(DeadLetter.For(message, kind, reason), cancellationToken);
}
