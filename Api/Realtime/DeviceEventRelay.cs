using IotAspire.Api.Infrastructure;
using IotAspire.Core.Events;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace IotAspire.Api.Realtime;

/// <summary>
/// Relays the device event stream (<c>iot:events</c>) to SignalR groups. All replicas read through one consumer group,
/// so each event is sent by one replica, once, to <c>device:{id}</c>; the Redis backplane delivers it to the group's
/// connections on every replica. An entry is acknowledged after it was sent; entries a dead or failing replica left
/// pending are claimed after <see cref="EventRelayOptions.ClaimIdleSeconds"/>. A bad entry is logged, counted and acked.
/// </summary>
public sealed partial class DeviceEventRelay(
    IConnectionMultiplexer redis,
    IHubContext<DevicesHub> hub,
    IOptions<EventRelayOptions> options,
    TimeProvider clock,
    ILogger<DeviceEventRelay> logger) : BackgroundService
{
    private static readonly TimeSpan MaxErrorDelay = TimeSpan.FromSeconds(5);
    private readonly EventRelayOptions _options = options.Value;

    /// <summary>Unique per process: a restarted replica is a new consumer, and its predecessor's pending entries get claimed.</summary>
    public string ConsumerName { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var database = redis.GetDatabase();
        var pollDelay = TimeSpan.Zero;
        var errorDelay = TimeSpan.FromMilliseconds(100);
        var groupReady = false;
        var nextClaim = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    await EnsureGroupAsync(database);
                    groupReady = true;
                    LogStarted(ConsumerName, _options.ConsumerGroup);
                }

                if (clock.GetUtcNow() >= nextClaim)
                {
                    await ClaimStaleAsync(database, stoppingToken);
                    nextClaim = clock.GetUtcNow().AddSeconds(_options.ClaimIntervalSeconds);
                }

                var entries = await database.StreamReadGroupAsync(
                    DeviceEvent.StreamKey, _options.ConsumerGroup, ConsumerName, StreamPosition.NewMessages, _options.BatchSize);
                errorDelay = TimeSpan.FromMilliseconds(100);
                if (entries.Length > 0)
                {
                    await RelayAsync(database, entries, stoppingToken);
                    pollDelay = TimeSpan.Zero;
                    continue;
                }

                // Idle: poll again soon, less often the longer it stays idle (no blocking reads on the shared connection).
                pollDelay = pollDelay == TimeSpan.Zero
                    ? TimeSpan.FromMilliseconds(1)
                    : TimeSpan.FromMilliseconds(Math.Min(pollDelay.TotalMilliseconds * 2, _options.MaxPollDelayMilliseconds));
                await Task.Delay(pollDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The group disappears with the stream (e.g. a Redis without persistence restarted): create it again.
                if (ex is RedisServerException && ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
                {
                    groupReady = false;
                }

                ApiDiagnostics.EventRelayFailures.Add(1);
                LogRelayFailed(ex, errorDelay.TotalSeconds);
                await Task.Delay(errorDelay, clock, stoppingToken);
                errorDelay = TimeSpan.FromTicks(Math.Min(errorDelay.Ticks * 2, MaxErrorDelay.Ticks));
            }
        }
    }

    private async Task EnsureGroupAsync(IDatabase database)
    {
        try
        {
            // Only events from now on: the stream is for live delivery, and a new group has no one waiting for old ones.
            await database.StreamCreateConsumerGroupAsync(DeviceEvent.StreamKey, _options.ConsumerGroup, StreamPosition.NewMessages, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another replica (or an earlier run) created it.
        }
    }

    /// <summary>Sends the batch in order (the sends are pipelined), then acknowledges what was sent or cannot be sent.</summary>
    private async Task RelayAsync(IDatabase database, StreamEntry[] entries, CancellationToken cancellationToken)
    {
        var done = new List<RedisValue>(entries.Length);
        var sends = new List<(StreamEntry Entry, Task Send)>(entries.Length);
        foreach (var entry in entries)
        {
            if (entry.IsNull)
            {
                continue; // A claimed id whose entry was trimmed away: nothing left to send.
            }

            var relayed = RelayedEvent.TryRead(entry, out var problem);
            if (relayed is null)
            {
                ApiDiagnostics.EventsRejected.Add(1);
                LogBadEntry((string?)entry.Id, problem);
                done.Add(entry.Id);
                continue;
            }

            sends.Add((entry, hub.Clients.Group(DevicesHub.Group(relayed.DeviceId)).SendAsync(relayed.Type, relayed.Data, cancellationToken)));
        }

        var now = clock.GetUtcNow();
        foreach (var (entry, send) in sends)
        {
            try
            {
                await send;
                done.Add(entry.Id);
                ApiDiagnostics.EventsRelayed.Add(1);
                if (RelayedEvent.AppendedAt(entry.Id) is { } appendedAt)
                {
                    ApiDiagnostics.EventRelayLag.Record((now - appendedAt).TotalMilliseconds);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Left pending: claimed and retried after ClaimIdleSeconds.
                ApiDiagnostics.EventRelayFailures.Add(1);
                LogSendFailed(ex, (string?)entry.Id);
            }
        }

        if (done.Count > 0)
        {
            await database.StreamAcknowledgeAsync(DeviceEvent.StreamKey, _options.ConsumerGroup, done.ToArray());
        }
    }

    /// <summary>Takes over entries idle too long in any consumer's pending list (including ours), and forgets dead consumers.</summary>
    private async Task ClaimStaleAsync(IDatabase database, CancellationToken cancellationToken)
    {
        RedisValue start = "0-0";
        do
        {
            var claimed = await database.StreamAutoClaimAsync(DeviceEvent.StreamKey, _options.ConsumerGroup, ConsumerName,
                _options.ClaimIdleSeconds * 1000L, start, _options.BatchSize);
            if (claimed.ClaimedEntries.Length > 0)
            {
                ApiDiagnostics.EventsClaimed.Add(claimed.ClaimedEntries.Length);
                LogClaimed(claimed.ClaimedEntries.Length);
                await RelayAsync(database, claimed.ClaimedEntries, cancellationToken);
            }

            start = claimed.NextStartId;
        }
        while (start != "0-0" && !cancellationToken.IsCancellationRequested);

        foreach (var consumer in await database.StreamConsumerInfoAsync(DeviceEvent.StreamKey, _options.ConsumerGroup))
        {
            if (consumer.Name != ConsumerName && consumer.PendingMessageCount == 0
                && consumer.IdleTimeInMilliseconds > _options.ForgetConsumerAfterSeconds * 1000L)
            {
                await database.StreamDeleteConsumerAsync(DeviceEvent.StreamKey, _options.ConsumerGroup, consumer.Name);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Relaying device events as consumer {Consumer} of group {Group}")]
    private partial void LogStarted(string consumer, string group);

    [LoggerMessage(LogLevel.Warning, "Reading the device event stream failed; retrying in {DelaySeconds:0.###} s")]
    private partial void LogRelayFailed(Exception exception, double delaySeconds);

    [LoggerMessage(LogLevel.Error, "Dropped event {EntryId} of the device event stream: {Problem}")]
    private partial void LogBadEntry(string? entryId, string? problem);

    [LoggerMessage(LogLevel.Warning, "Sending event {EntryId} to SignalR failed; it stays pending and is retried")]
    private partial void LogSendFailed(Exception exception, string? entryId);

    [LoggerMessage(LogLevel.Information, "Claimed {Count} device events left pending by a stopped or failing consumer")]
    private partial void LogClaimed(int count);
}
