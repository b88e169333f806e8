using System.Diagnostics;
using IotAspire.Core.Protocol;
using IotAspire.DeviceWorker.Data;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.RateLimiting;

namespace IotAspire.DeviceWorker.Messaging;

/// <summary>
/// Routes a message to the handlers whose topic filter matches, each in its own DI scope. A failure that is about
/// the message becomes a dead letter; one that is not (the database or Redis away or refusing for its own reasons:
/// <see cref="DatabaseErrors.IsSystemic"/>) is retried with back-off while the worker reports itself unhealthy, so a
/// broken dependency never dead-letters every message. The outcome tells the consumer whether it may acknowledge.
/// </summary>
public sealed partial class MessageDispatcher
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly IServiceScopeFactory _scopes;
    private readonly IDeadLetterSink _deadLetters;
    private readonly DeviceRateLimiter _rateLimiter;
    private readonly WorkerDiagnostics _diagnostics;
    private readonly ProcessingHealth _health;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageDispatcher> _logger;

    public MessageDispatcher(
        IEnumerable<MessageHandlerRegistration> registrations,
        IServiceScopeFactory scopes,
        IDeadLetterSink deadLetters,
        DeviceRateLimiter rateLimiter,
        WorkerDiagnostics diagnostics,
        ProcessingHealth health,
        TimeProvider time,
        ILogger<MessageDispatcher> logger)
    {
        _health = health;
        _time = time;
        // Identifiers follow registration order, which is stable for one build of the worker.
        Subscriptions = registrations.Select((r, i) => new MessageSubscription((uint)i + 1, r)).ToArray();
        _scopes = scopes;
        _deadLetters = deadLetters;
        _rateLimiter = rateLimiter;
        _diagnostics = diagnostics;
        _logger = logger;
    }

    public IReadOnlyList<MessageSubscription> Subscriptions { get; }

    public async Task<DispatchOutcome> DispatchAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        if (await ApplyRateLimitAsync(message, cancellationToken) is { } dropped)
        {
            return dropped;
        }

        var matches = Match(message);
        if (matches.Count == 0)
        {
            return await DeadLetterAsync(DeadLetter.For(message, DeadLetterKinds.NoHandler, "no handler for topic"), cancellationToken);
        }

        using var activity = WorkerDiagnostics.ActivitySource.StartActivity(
            $"process {matches[0].TopicFilter}", ActivityKind.Consumer, message.ParentContext);
        activity?.SetTag("messaging.system", "mqtt");
        activity?.SetTag("messaging.destination.name", message.Topic);
        activity?.SetTag("messaging.message.body.size", message.Payload.Length);

        foreach (var subscription in matches)
        {
            var handlerType = subscription.Registration.HandlerType;
            try
            {
                await HandleWithRetriesAsync(handlerType, message, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // Shutting down: leave the message unacknowledged; the broker redelivers it.
            }
            catch (Exception ex)
            {
                activity?.AddException(ex);
                _diagnostics.HandlerFailures.Add(1, new KeyValuePair<string, object?>("handler", handlerType.Name));
                LogHandlerFailed(ex, handlerType.Name, message.Topic);
                var reason = $"handler failed: {handlerType.Name}: {ex.Message}";
                return await DeadLetterAsync(DeadLetter.For(message, DeadLetterKinds.HandlerFailed, reason), cancellationToken);
            }
        }

        return DispatchOutcome.Handled;
    }

    /// <summary>Runs the handler until it succeeds or fails because of the message; systemic failures wait and retry.</summary>
    private async Task HandleWithRetriesAsync(Type handlerType, DeviceMessage message, CancellationToken cancellationToken)
    {
        var delay = MinRetryDelay;
        while (true)
        {
            try
            {
                await using var scope = _scopes.CreateAsyncScope();
                var handler = (IDeviceMessageHandler)scope.ServiceProvider.GetRequiredService(handlerType);
                await handler.HandleAsync(message, cancellationToken);
                _health.Recovered(handlerType.Name);
                return;
            }
            catch (Exception ex) when (DatabaseErrors.IsSystemic(ex) && !cancellationToken.IsCancellationRequested)
            {
                _diagnostics.SystemicFailures.Add(1, new KeyValuePair<string, object?>("handler", handlerType.Name));
                _health.Failing(handlerType.Name, ex.Message);
                LogSystemicFailure(ex, handlerType.Name, message.Topic, delay.TotalSeconds);
                await Task.Delay(delay, _time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// Handlers whose filter matches the topic. When the broker says which subscriptions it delivered this copy
    /// for (MQTT 5), only those: with overlapping filters it sends one copy per subscription.
    /// </summary>
    internal IReadOnlyList<MessageSubscription> Match(DeviceMessage message)
    {
        var byTopic = Subscriptions.Where(s => TopicFilter.Matches(s.TopicFilter, message.Topic)).ToArray();
        if (message.SubscriptionIdentifiers.Count == 0 || byTopic.Length <= 1)
        {
            return byTopic;
        }

        var byIdentifier = byTopic.Where(s => message.SubscriptionIdentifiers.Contains(s.Identifier)).ToArray();
        return byIdentifier.Length > 0 ? byIdentifier : byTopic;
    }

    /// <summary>
    /// Null when the message may be processed. The first drop of a device in a minute is logged and dead-lettered
    /// (so an operator sees it); the others are only counted. Status messages are exempt: a dropped Last Will
    /// would show a flooding device online for good, and a repeated status costs one Redis read.
    /// </summary>
    private async Task<DispatchOutcome?> ApplyRateLimitAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        if (message.DeviceId is not { } deviceId || TopicFilter.Matches(DeviceTopics.StatusFilter, message.Topic))
        {
            return null;
        }

        var decision = _rateLimiter.TryAcquire(deviceId, out var dropped);
        if (decision == RateLimitDecision.Allowed)
        {
            return null;
        }

        _diagnostics.MessagesRateLimited.Add(1);
        if (decision == RateLimitDecision.Dropped)
        {
            return DispatchOutcome.RateLimited;
        }

        var limit = _rateLimiter.Limit;
        LogRateLimited(deviceId, dropped, limit.MessagesPerSecond, limit.Burst);
        var reason = $"rate limit exceeded: {limit.MessagesPerSecond:0.##} messages/s, burst {limit.Burst}; "
            + $"{dropped} message(s) dropped since the last record; further drops of this device are not recorded for a minute";
        var outcome = await DeadLetterAsync(DeadLetter.For(message, DeadLetterKinds.RateLimited, reason), cancellationToken);
        return outcome == DispatchOutcome.DeadLettered ? DispatchOutcome.RateLimited : outcome;
    }

    private async Task<DispatchOutcome> DeadLetterAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        try
        {
            await _deadLetters.WriteAsync(deadLetter, cancellationToken);
            return DispatchOutcome.DeadLettered;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _diagnostics.DeadLetterFailures.Add(1, new KeyValuePair<string, object?>("reason.kind", deadLetter.Kind));
            LogDeadLetterFailed(ex, deadLetter.Topic, deadLetter.Reason);
            return DispatchOutcome.NotAcknowledged;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Device {DeviceId} exceeded its rate limit ({Rate} messages/s, burst {Burst}): {Dropped} message(s) dropped since the last report; reported at most once a minute")]
    private partial void LogRateLimited(string deviceId, long dropped, double rate, int burst);

    [LoggerMessage(LogLevel.Error, "Handler {Handler} cannot handle a message on {Topic} for a reason that is not the message's; it stays unacknowledged, retrying in {DelaySeconds:0.##} s")]
    private partial void LogSystemicFailure(Exception exception, string handler, string topic, double delaySeconds);

    [LoggerMessage(LogLevel.Error, "Handler {Handler} failed for a message on {Topic}")]
    private partial void LogHandlerFailed(Exception exception, string handler, string topic);

    [LoggerMessage(LogLevel.Error, "Could not dead-letter a message on {Topic} ({Reason}); leaving it unacknowledged for redelivery")]
    private partial void LogDeadLetterFailed(Exception exception, string topic, string reason);
}
