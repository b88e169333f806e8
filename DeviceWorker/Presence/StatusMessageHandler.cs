using System.Text.Json.Nodes;
using IotAspire.Core.Events;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;

namespace IotAspire.DeviceWorker.Presence;

/// <summary>
/// <c>devices/+/status</c>: the device's retained <c>{"online":true}</c>, or <c>{"online":false}</c> from itself or
/// its Last Will. A change is recorded in PostgreSQL, then in Redis, then announced as a "presence" event; a repeated
/// state keeps its original time, and a state older than the recorded one (handled out of order) is ignored.
/// </summary>
public sealed partial class StatusMessageHandler(
    RedisPresenceStore presence,
    DeviceConnectionLog connections,
    IDeviceEventPublisher events,
    IDeadLetterSink deadLetters,
    WorkerDiagnostics diagnostics,
    ILogger<StatusMessageHandler> logger) : IDeviceMessageHandler
{
    private const int MaxAttempts = 16;

    public async Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        if (message.DeviceId is not { } deviceId)
        {
            await DeadLetterAsync(message, DeadLetterKinds.InvalidTopic, "the topic carries no valid device id", cancellationToken);
            return;
        }

        if (message.Payload.IsEmpty)
        {
            // An empty retained message only clears the broker's retained status (e.g. when a device is removed).
            LogStatusCleared(deviceId);
            return;
        }

        if (StatusPayload.Parse(message.Payload.Span, out var error) is not { } online)
        {
            await DeadLetterAsync(message, DeadLetterKinds.InvalidPayload, error!, cancellationToken);
            return;
        }

        // Redis keeps milliseconds: compare at the precision that is stored.
        var at = DateTimeOffset.FromUnixTimeMilliseconds(message.ReceivedAt.ToUnixTimeMilliseconds());
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await presence.GetAsync(deviceId);
            var decision = PresenceTransitions.Decide(current, online, at);
            if (decision != PresenceDecision.Apply)
            {
                Count(decision);
                return;
            }

            if (!await connections.RecordAsync(deviceId, online, at, cancellationToken))
            {
                await DeadLetterAsync(message, DeadLetterKinds.DeviceNotRegistered, "device not registered", cancellationToken);
                return;
            }

            if (await presence.TrySetAsync(deviceId, current, new PresenceState(online, at)))
            {
                Count(decision);
                LogPresenceChanged(deviceId, online);
                await PublishEventAsync(deviceId, online, at, cancellationToken);
                return;
            }

            // Another replica changed it meanwhile: decide again against what it wrote.
        }

        throw new InvalidOperationException($"The presence of {deviceId} changed {MaxAttempts} times while recording it; giving up.");
    }

    private async Task PublishEventAsync(string deviceId, bool online, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var data = new JsonObject { ["deviceId"] = deviceId, ["online"] = online, ["at"] = at.UtcDateTime };
        try
        {
            await events.PublishAsync(new DeviceEvent(DeviceEvent.Presence, deviceId, data), cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Presence is recorded; only the live notification is lost. Redelivery would not resend it (unchanged).
            diagnostics.EventPublishFailures.Add(1, new KeyValuePair<string, object?>("type", DeviceEvent.Presence));
            LogEventFailed(ex, deviceId);
        }
    }

    private void Count(PresenceDecision decision) =>
        diagnostics.PresenceChanges.Add(1, new KeyValuePair<string, object?>("outcome", decision switch
        {
            PresenceDecision.Apply => "applied",
            PresenceDecision.Unchanged => "unchanged",
            _ => "stale",
        }));

    private Task DeadLetterAsync(DeviceMessage message, string kind, string reason, CancellationToken cancellationToken) =>
        deadLetters.WriteAsync(DeadLetter.For(message, kind, reason), cancellationToken);

    [LoggerMessage(LogLevel.Debug, "Device {DeviceId} is online: {Online}")]
    private partial void LogPresenceChanged(string deviceId, bool online);

    [LoggerMessage(LogLevel.Debug, "The retained status of {DeviceId} was cleared")]
    private partial void LogStatusCleared(string deviceId);

    [LoggerMessage(LogLevel.Error, "The presence of {DeviceId} was recorded, but its event could not be published")]
    private partial void LogEventFailed(Exception exception, string deviceId);
}
