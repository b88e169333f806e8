using IotAspire.Core.Shadows;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;

namespace IotAspire.DeviceWorker.Shadows;

/// <summary>
/// <c>devices/+/shadow/update</c>: the device reports (or sets desired) state. Applies it atomically and answers as
/// AWS does: update/accepted + update/documents (+ update/delta), or update/rejected with the error document.
/// A request that cannot be parsed is rejected too, not dead-lettered: the device must learn why.
/// </summary>
public sealed partial class ShadowUpdateHandler(
    IShadowStore store,
    ShadowNotifier notifier,
    IDeadLetterSink deadLetters,
    WorkerDiagnostics diagnostics,
    ILogger<ShadowUpdateHandler> logger) : IDeviceMessageHandler
{
    /// <summary>Requests far above the 8 KB state limit are refused unparsed.</summary>
    internal const int MaxRequestBytes = 8 * ShadowRules.MaxStateBytes;

    public async Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        if (message.DeviceId is not { } deviceId)
        {
            await deadLetters.WriteAsync(
                DeadLetter.For(message, DeadLetterKinds.InvalidTopic, "the topic carries no valid device id"), cancellationToken);
            return;
        }

        if (message.Payload.Length > MaxRequestBytes)
        {
            await RejectAsync(deviceId, ShadowError.TooLarge(message.Payload.Length, clientToken: null), cancellationToken);
            return;
        }

        var parsed = ShadowRules.ParseUpdate(message.Payload.Span, ShadowWriter.Device);
        if (parsed.Error is not null)
        {
            await RejectAsync(deviceId, parsed.Error, cancellationToken);
            return;
        }

        var result = await store.UpdateAsync(deviceId, parsed.Update!, cancellationToken);
        if (result.Error is not null)
        {
            await RejectAsync(deviceId, result.Error, cancellationToken);
            return;
        }

        // "repeated": the same request again (same clientToken and content), answered and not applied twice.
        diagnostics.ShadowUpdates.Add(1, new KeyValuePair<string, object?>("outcome", result.Repeated ? "repeated" : "accepted"));
        try
        {
            await notifier.AcceptedAsync(deviceId, result, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The update is committed: dead-lettering it would be wrong. The device still gets the current document
            // from shadow/get, the retained delta is repaired in the background; the failure is logged and counted.
            diagnostics.ShadowNotificationFailures.Add(1);
            LogNotificationFailed(ex, deviceId, result.State!.Version);
        }
    }

    private Task RejectAsync(string deviceId, ShadowError error, CancellationToken cancellationToken)
    {
        diagnostics.ShadowUpdates.Add(1, new KeyValuePair<string, object?>("outcome", error.Code));
        return notifier.RejectedAsync(deviceId, error, cancellationToken);
    }

    [LoggerMessage(LogLevel.Error, "Shadow version {Version} of {DeviceId} was stored, but its replies or event could not be published")]
    private partial void LogNotificationFailed(Exception exception, string deviceId, long version);
}
