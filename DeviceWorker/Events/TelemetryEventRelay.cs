using System.Threading.Channels;
using IotAspire.Core.Events;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Telemetry;

namespace IotAspire.DeviceWorker.Events;

/// <summary>
/// Publishes the "telemetry" events of committed batches, one event per message and one Redis round trip per batch.
/// The commit queue only queues (never waits for Redis), so a slow or absent Redis cannot hold up or fail ingest:
/// the data is committed and acknowledged regardless; lost events are logged and counted.
/// </summary>
public sealed partial class TelemetryEventRelay : BackgroundService
{
    /// <summary>Committed batches waiting for Redis; beyond this the newest are dropped (and counted).</summary>
    internal const int QueueCapacity = 1024;

    private readonly Channel<IReadOnlyList<DeviceEvent>> _queue;
    private readonly IDeviceEventPublisher _events;
    private readonly WorkerDiagnostics _diagnostics;
    private readonly ILogger<TelemetryEventRelay> _logger;

    public TelemetryEventRelay(IDeviceEventPublisher events, WorkerDiagnostics diagnostics, ILogger<TelemetryEventRelay> logger)
    {
        _events = events;
        _diagnostics = diagnostics;
        _logger = logger;
        _queue = Channel.CreateBounded<IReadOnlyList<DeviceEvent>>(
            new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite },
            dropped => diagnostics.EventsDropped.Add(dropped.Count));
    }

    /// <summary>Queues the events of a committed batch's stored messages (those of unregistered devices are skipped).</summary>
    public void Committed(IReadOnlyList<PendingWrite> batch)
    {
        var events = batch
            .Where(p => p.Completion.IsCompletedSuccessfully && p.Completion.Result == WriteOutcome.Written && p.Points.Count > 0)
            .Select(p => TelemetryEvents.For(p.DeviceId, p.Points))
            .ToArray();
        if (events.Length > 0)
        {
            _queue.Writer.TryWrite(events);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_queue.Reader.TryRead(out var events))
                {
                    await PublishAsync(events, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: events still queued are live notifications only; the data is stored.
        }
    }

    private async Task PublishAsync(IReadOnlyList<DeviceEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await _events.PublishAsync(events, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _diagnostics.EventPublishFailures.Add(events.Count, new KeyValuePair<string, object?>("type", DeviceEvent.Telemetry));
            LogPublishFailed(ex, events.Count);
        }
    }

    [LoggerMessage(LogLevel.Error, "Could not publish {Count} telemetry events to Redis; the data is stored, only the live events are lost")]
    private partial void LogPublishFailed(Exception exception, int count);
}
