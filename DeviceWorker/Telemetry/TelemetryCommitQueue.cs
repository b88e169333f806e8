using System.Diagnostics;
using System.Threading.Channels;
using IotAspire.DeviceWorker.Data;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Events;
using Microsoft.Extensions.Options;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// The single writer: handlers queue their points here and wait; this loop commits what waits, in batches of up to
/// <see cref="TelemetryOptions.MaxBatchPoints"/> points, each in one transaction (<see cref="TelemetryWriter"/>). An error that is not about the data (the database away, a missing table, missing permissions) is
/// retried with back-off, the messages unacknowledged and the worker unhealthy meanwhile; only a data error is
/// narrowed down to the message that causes it, which alone fails (and is dead-lettered).
/// </summary>
public sealed partial class TelemetryCommitQueue : BackgroundService
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(200);
    private const string HealthPart = "telemetry writes";
    private readonly Channel<PendingWrite> _queue;
    private readonly TelemetryWriter _store;
    private readonly TelemetryEventRelay _events;
    private readonly TelemetryOptions _options;
    private readonly WorkerDiagnostics _diagnostics;
    private readonly TimeProvider _timeProvider;
    private readonly ProcessingHealth _health;
    private readonly ILogger<TelemetryCommitQueue> _logger;

    public TelemetryCommitQueue(
        TelemetryWriter store,
        TelemetryEventRelay events,
        IOptions<TelemetryOptions> options,
        WorkerDiagnostics diagnostics,
        TimeProvider timeProvider,
        ProcessingHealth health,
        ILogger<TelemetryCommitQueue> logger)
    {
        _store = store;
        _health = health;
        _events = events;
        _options = options.Value;
        _diagnostics = diagnostics;
        _timeProvider = timeProvider;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues one message's points and completes once they are committed.</summary>
    public async Task<WriteOutcome> WriteAsync(PendingWrite pending, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Completion.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                var batch = CollectBatch();
                await WriteWithRetryAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: queued messages stay unacknowledged and are redelivered.
        }
    }

    /// <summary>
    /// Group commit: a batch is whatever waits when the previous commit ends, up to <see cref="TelemetryOptions.MaxBatchPoints"/>.
    /// Nothing waits for a timer: a lone message is written at once (what live events need), and under load the batches
    /// fill by themselves with what arrived while the previous one was written.
    /// </summary>
    private List<PendingWrite> CollectBatch()
    {
        var batch = new List<PendingWrite>();
        var points = 0;
        while (points < _options.MaxBatchPoints && _queue.Reader.TryRead(out var pending))
        {
            batch.Add(pending);
            points += pending.Points.Count;
        }

        return batch;
    }

    private async Task WriteWithRetryAsync(List<PendingWrite> batch, CancellationToken cancellationToken)
    {
        var delay = MinRetryDelay;
        var maxDelay = TimeSpan.FromSeconds(_options.MaxRetryDelaySeconds);
        var points = batch.Sum(p => p.Points.Count);
        while (true)
        {
            using var activity = StartBatchActivity(batch, points);
            var started = _timeProvider.GetTimestamp();
            try
            {
                var inserted = await _store.WriteAsync(batch, cancellationToken);
                _diagnostics.BatchDuration.Record(_timeProvider.GetElapsedTime(started).TotalSeconds);
                _diagnostics.BatchPoints.Record(points);
                _diagnostics.PointsWritten.Add(inserted);
                activity?.SetTag("iotaspire.batch.rows_inserted", inserted);
                _events.Committed(batch); // Only queued: Redis never holds up or fails a committed batch.
                _health.Recovered(HealthPart);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (DatabaseErrors.IsSystemic(ex))
            {
                activity?.AddException(ex);
                activity?.SetStatus(ActivityStatusCode.Error);
                _diagnostics.BatchRetries.Add(1);
                _health.Failing(HealthPart, ex.Message);
                LogRetrying(ex, batch.Count, delay.TotalSeconds);
                await Task.Delay(delay, _timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
            }
            catch (Exception ex)
            {
                activity?.AddException(ex);
                activity?.SetStatus(ActivityStatusCode.Error);
                if (batch.Count == 1)
                {
                    LogMessageFailed(ex, batch[0].DeviceId);
                    batch[0].Fail(ex);
                    return;
                }

                // One message may carry what the database refuses: write them one by one to find it.
                LogSplitting(ex, batch.Count);
                foreach (var pending in batch)
                {
                    await WriteWithRetryAsync([pending], cancellationToken);
                }

                return;
            }
        }
    }

    private static Activity? StartBatchActivity(List<PendingWrite> batch, int points)
    {
        var links = batch
            .Where(p => p.TraceContext != default)
            .Select(p => new ActivityLink(p.TraceContext))
            .Take(128)
            .ToArray();
        var activity = WorkerDiagnostics.ActivitySource.StartActivity(
            ActivityKind.Internal, parentContext: default, links: links, name: "telemetry batch write");
        activity?.SetTag("iotaspire.batch.messages", batch.Count);
        activity?.SetTag("iotaspire.batch.points", points);
        return activity;
    }

    [LoggerMessage(LogLevel.Warning, "Writing a telemetry batch of {Count} messages failed; retrying in {DelaySeconds:0.##} s")]
    private partial void LogRetrying(Exception exception, int count, double delaySeconds);

    [LoggerMessage(LogLevel.Warning, "A telemetry batch of {Count} messages was refused; writing its messages one by one")]
    private partial void LogSplitting(Exception exception, int count);

    [LoggerMessage(LogLevel.Error, "The database refused a telemetry message of device {DeviceId}")]
    private partial void LogMessageFailed(Exception exception, string deviceId);
}
