using System.Diagnostics;
using IotAspire.Core.Telemetry.Maintenance;
using IotAspire.DeviceWorker.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Schedules <see cref="TelemetryRetention"/>: at start, then every <see cref="RetentionOptions.IntervalMinutes"/>
/// (sooner after a failure). Every replica runs this; the advisory lock inside lets only one work at a time.
/// A failed run is logged and counted, never fatal: the next run tries again.
/// </summary>
public sealed partial class TelemetryMaintenanceService : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);
    private readonly NpgsqlDataSource _dataSource;
    private readonly RetentionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<TelemetryMaintenanceService> _logger;
    private readonly WorkerDiagnostics _diagnostics;

    public TelemetryMaintenanceService(
        NpgsqlDataSource dataSource,
        IOptions<RetentionOptions> options,
        TimeProvider timeProvider,
        WorkerDiagnostics diagnostics,
        ILogger<TelemetryMaintenanceService> logger)
    {
        _dataSource = dataSource;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;

        _diagnostics = diagnostics;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(_options.IntervalMinutes);
        try
        {
            while (true)
            {
                var succeeded = await RunOnceAsync(stoppingToken);
                await Task.Delay(succeeded || RetryAfterFailure > interval ? interval : RetryAfterFailure, _timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; a run cut short leaves nothing half done (each DDL statement is its own transaction).
        }
    }

    private async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = WorkerDiagnostics.ActivitySource.StartActivity("telemetry partition maintenance");
        try
        {
            var result = await TelemetryRetention.RunAsync(_dataSource, _options, _timeProvider.GetUtcNow(), cancellationToken);
            activity?.SetTag("iotaspire.maintenance.lock_taken", result.LockTaken);
            if (!result.LockTaken)
            {
                LogSkipped();
                return true;
            }

            foreach (var name in result.Created)
            {
                _diagnostics.PartitionsCreated.Add(1, new KeyValuePair<string, object?>("table", TableOf(name)));
            }

            foreach (var partition in result.Dropped)
            {
                _diagnostics.PartitionsDropped.Add(1, new KeyValuePair<string, object?>("table", partition.Table));
                LogDropped(partition.Name, partition.Table, partition.RangeEnd);
            }

            if (result.NotArchived.Count > 0)
            {
                _diagnostics.PartitionsNotArchived.Add(result.NotArchived.Count);
                LogNotArchived(result.NotArchived.Count, string.Join(", ", result.NotArchived));
            }

            if (result.Deferred.Count > 0)
            {
                _diagnostics.PartitionsDeferred.Add(result.Deferred.Count);
                LogDeferred(result.Deferred.Count, string.Join(", ", result.Deferred));
            }

            LogRan(result.Created.Count, result.Dropped.Count, result.RawCutoff?.ToString("O") ?? "none", result.RollupCutoff);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            activity?.AddException(ex);
            activity?.SetStatus(ActivityStatusCode.Error);
            _diagnostics.MaintenanceFailures.Add(1);
            LogFailed(ex, RetryAfterFailure.TotalMinutes);
            return false;
        }
    }

    private static string TableOf(string partitionName) =>
        TelemetryTables.All.Select(t => t.Name).OrderByDescending(n => n.Length)
            .FirstOrDefault(n => partitionName.StartsWith(n + "_p", StringComparison.Ordinal)) ?? "unknown";

    [LoggerMessage(LogLevel.Debug, "Telemetry partition maintenance skipped: another replica holds its lock")]
    private partial void LogSkipped();

    [LoggerMessage(LogLevel.Information, "Retention dropped partition {Partition} of {Table} (range ended {RangeEnd:O})")]
    private partial void LogDropped(string partition, string table, DateTimeOffset rangeEnd);

    [LoggerMessage(LogLevel.Warning, "{Count} partition changes deferred to the next run (table locked too long): {Partitions}")]
    private partial void LogDeferred(int count, string partitions);

    [LoggerMessage(LogLevel.Information, "{Count} raw partitions due for retention are kept until the Archiver covers all their rows: {Partitions}")]
    private partial void LogNotArchived(int count, string partitions);

    [LoggerMessage(LogLevel.Information, "Telemetry partition maintenance: {Created} created, {Dropped} dropped (raw cutoff {RawCutoff}, rollup cutoff {RollupCutoff:O})")]
    private partial void LogRan(int created, int dropped, string rawCutoff, DateTimeOffset? rollupCutoff);

    [LoggerMessage(LogLevel.Error, "Telemetry partition maintenance failed; retrying in {RetryMinutes} min")]
    private partial void LogFailed(Exception exception, double retryMinutes);
}
