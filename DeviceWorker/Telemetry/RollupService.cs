using System.Diagnostics;
using IotAspire.DeviceWorker.Diagnostics;
using Microsoft.Extensions.Options;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Schedules <see cref="RollupJob"/> every <see cref="RollupOptions.IntervalSeconds"/>, at once again while buckets are
/// left over. Every replica runs this; the job's advisory lock lets one work at a time. A failed run or bucket is
/// logged and counted, never fatal: what failed stays pending and is tried again.
/// </summary>
public sealed partial class RollupService : BackgroundService
{
    private readonly RollupJob _job;
    private readonly RollupOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RollupService> _logger;
    private readonly WorkerDiagnostics _diagnostics;

    public RollupService(
        RollupJob job, IOptions<RollupOptions> options, TimeProvider timeProvider, WorkerDiagnostics diagnostics, ILogger<RollupService> logger)
    {
        _job = job;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _diagnostics = diagnostics;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(_options.IntervalSeconds);
        try
        {
            while (true)
            {
                var moreDue = await RunOnceAsync(stoppingToken);
                if (!moreDue)
                {
                    await Task.Delay(interval, _timeProvider, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: each bucket is its own transaction, so nothing is left half done.
        }
    }

    private async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = WorkerDiagnostics.ActivitySource.StartActivity("telemetry rollup");
        try
        {
            var closedBefore = _timeProvider.GetUtcNow().AddSeconds(-_options.GraceSeconds);
            var result = await _job.RunAsync(closedBefore, _options.MaxBucketsPerRun, cancellationToken);
            activity?.SetTag("iotaspire.rollup.lock_taken", result.LockTaken);
            activity?.SetTag("iotaspire.rollup.minutes", result.Minutes.Buckets);
            activity?.SetTag("iotaspire.rollup.hours", result.Hours.Buckets);
            _diagnostics.RollupBuckets.Add(result.Minutes.Buckets, new KeyValuePair<string, object?>("width", RollupWidth.Minute.Name));
            _diagnostics.RollupBuckets.Add(result.Hours.Buckets, new KeyValuePair<string, object?>("width", RollupWidth.Hour.Name));
            foreach (var failure in result.Failures)
            {
                _diagnostics.RollupFailures.Add(1, new KeyValuePair<string, object?>("width", failure.Width.Name));
                LogBucketFailed(failure.Exception, failure.Width.Name, failure.Bucket);
            }

            if (result.Minutes.Buckets + result.Hours.Buckets > 0)
            {
                LogRan(result.Minutes.Buckets, result.Minutes.Rows, result.Hours.Buckets, result.Hours.Rows);
            }

            // Failed buckets stay pending: running again at once would only fail again.
            return result.MoreDue && result.Failures.Count == 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            activity?.AddException(ex);
            activity?.SetStatus(ActivityStatusCode.Error);
            _diagnostics.RollupFailures.Add(1, new KeyValuePair<string, object?>("width", "run"));
            LogRunFailed(ex, _options.IntervalSeconds);
            return false;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Rollups: {Minutes} minutes ({MinuteRows} rows), {Hours} hours ({HourRows} rows)")]
    private partial void LogRan(int minutes, long minuteRows, int hours, long hourRows);

    [LoggerMessage(LogLevel.Error, "Rolling up the {Width} bucket {Bucket:O} failed; it stays pending")]
    private partial void LogBucketFailed(Exception exception, string width, DateTimeOffset bucket);

    [LoggerMessage(LogLevel.Error, "The rollup run failed; retrying in {IntervalSeconds} s")]
    private partial void LogRunFailed(Exception exception, int intervalSeconds);
}
