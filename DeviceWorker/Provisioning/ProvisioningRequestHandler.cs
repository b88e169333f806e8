using IotAspire.Core.Devices;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Core.Provisioning;
using IotAspire.Core.Shadows;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;

namespace IotAspire.DeviceWorker.Provisioning;

/// <summary>
/// Fleet provisioning by claim: registers the device named by <c>provisioning/{id}/request</c> with the password it
/// chose (exactly as <c>POST /api/devices</c> does) and answers on <c>provisioning/{id}/response</c>: accepted, or
/// rejected with 400 (bad request, or a reserved id), 409 (the id is registered: never taken over), 429 (over the
/// provisioning rate limits) or 503 (try again later).
/// The request carries a secret, so it is never logged nor dead-lettered; every outcome is answered instead.
/// </summary>
public sealed partial class ProvisioningRequestHandler(
    DeviceRegistrar registrar,
    ProvisioningLimiter limiter,
    IMqttPublisher publisher,
    WorkerDiagnostics diagnostics,
    ILogger<ProvisioningRequestHandler> logger) : IDeviceMessageHandler
{
    public async Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        // The filter provisioning/+/request guarantees the shape; the level is answered as sent, even when invalid.
        var segment = ProvisioningTopics.SegmentOf(message.Topic)
            ?? throw new InvalidOperationException($"'{message.Topic}' is not a provisioning request topic.");

        if (!limiter.TryAcquire(segment))
        {
            // Refused before any work: a flood costs one small answer per request.
            await AnswerAsync(segment, "429", ProvisioningResponse.RejectedPayload(429,
                "Too many provisioning requests; nothing was changed. Try again later, with back-off.", clientToken: null), cancellationToken);
            return;
        }

        if (!ProvisioningRequest.TryParse(segment, message.Payload.Span, out var request, out var clientToken, out var error))
        {
            LogRejected(Shorten(segment), error!);
            await AnswerAsync(segment, "400", ProvisioningResponse.RejectedPayload(400, error!, clientToken), cancellationToken);
            return;
        }

        var (outcome, answer) = await RegisterAsync(request!, cancellationToken);
        await AnswerAsync(request!.DeviceId, outcome, answer, cancellationToken);
    }

    private async Task<(string Outcome, byte[] Answer)> RegisterAsync(ProvisioningRequest request, CancellationToken cancellationToken)
    {
        DeviceRegistration registration;
        await limiter.Registrations.WaitAsync(cancellationToken);
        try
        {
            registration = await registrar.RegisterAsync(request.DeviceId, request.Name, request.Password, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The database failed: nothing was registered. The device asks again later.
            LogRegistrationFailed(ex, request.DeviceId);
            return ("503", Unavailable(request));
        }
        finally
        {
            limiter.Registrations.Release();
        }

        switch (registration.Status)
        {
            case DeviceRegistrationStatus.Registered:
                LogProvisioned(request.DeviceId);
                return ("accepted", ProvisioningResponse.AcceptedPayload(request.DeviceId, request.ClientToken));
            case DeviceRegistrationStatus.AlreadyRegistered:
                LogAlreadyRegistered(request.DeviceId);
                return ("409", ProvisioningResponse.RejectedPayload(409,
                    $"The device '{request.DeviceId}' is already registered; its credentials stay as they are. " +
                    "A device that lost its password needs an administrator.",
                    request.ClientToken));
            case DeviceRegistrationStatus.Refused:
                return ("400", ProvisioningResponse.RejectedPayload(400,
                    $"'{request.DeviceId}' names a broker account that is not a device's; it cannot be registered.", request.ClientToken));
            default:
                return ("503", Unavailable(request));
        }
    }

    private static byte[] Unavailable(ProvisioningRequest request) =>
        ProvisioningResponse.RejectedPayload(503, "The device could not be registered now; nothing was changed. Try again later.", request.ClientToken);

    private async Task AnswerAsync(string segment, string outcome, byte[] answer, CancellationToken cancellationToken)
    {
        diagnostics.ProvisioningRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        try
        {
            await publisher.PublishAsync(ProvisioningTopics.Response(segment), answer, retain: false, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not rethrown: a dead letter would store the request, password included. The device times out and asks
            // again; if it was registered meanwhile it gets 409 and tries the password it chose.
            diagnostics.ProvisioningAnswerFailures.Add(1);
            LogAnswerFailed(ex, Shorten(segment), outcome);
        }
    }

    /// <summary>The topic level is the device's input: bounded before it reaches a log.</summary>
    private static string Shorten(string segment) => segment.Length <= DeviceId.MaxLength ? segment : segment[..DeviceId.MaxLength] + "…";

    [LoggerMessage(LogLevel.Information, "Provisioned device {DeviceId} by fleet claim")]
    private partial void LogProvisioned(string deviceId);

    [LoggerMessage(LogLevel.Warning, "Rejected a provisioning request for {DeviceId}: {Reason}")]
    private partial void LogRejected(string deviceId, string reason);

    [LoggerMessage(LogLevel.Warning, "Rejected a provisioning request for {DeviceId}: the id is already registered")]
    private partial void LogAlreadyRegistered(string deviceId);

    [LoggerMessage(LogLevel.Error, "Registering device {DeviceId} by fleet claim failed; answered 503")]
    private partial void LogRegistrationFailed(Exception exception, string deviceId);

    [LoggerMessage(LogLevel.Error, "Could not answer the provisioning request for {DeviceId} ({Outcome})")]
    private partial void LogAnswerFailed(Exception exception, string deviceId, string outcome);
}
