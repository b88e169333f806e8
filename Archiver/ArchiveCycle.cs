using IotAspire.Archiver.Diagnostics;
using IotAspire.Archiver.Export;
using IotAspire.Archiver.Manifest;
using IotAspire.Archiver.Storage;
using IotAspire.Core.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.Archiver;

/// <summary>What one pass over the closed days did.</summary>
public sealed record CycleResult(bool LockTaken, int Days, int Exported, int Failed, string? LastError, TimeSpan? Lag = null)
{
    public bool CaughtUp => LockTaken && Failed == 0;
}

/// <summary>
/// One pass: every closed day, oldest first, exported or brought up to date with its late data. One Archiver works at
/// a time (a session advisory lock); a day that fails is logged and counted and the others still go ahead.
/// </summary>
public sealed partial class ArchiveCycle(
    NpgsqlDataSource dataSource,
    TelemetrySource source,
    DayExporter exporter,
    ArchiveManifest manifest,
    OrphanReconciler reconciler,
    IArchiveStorage storage,
    ArchiveRun run,
    ArchiverDiagnostics diagnostics,
    TimeProvider timeProvider,
    IOptions<ArchiveOptions> options,
    ILogger<ArchiveCycle> logger)
{
    private const long LockId = 0x1077A5_A7C4;
    private bool _started;

    public async Task<CycleResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await SessionAdvisoryLock.TryTakeAsync(lockConnection, LockId, cancellationToken))
        {
            LogBusy();
            return new CycleResult(false, 0, 0, 0, null);
        }

        try
        {
            if (!_started)
            {
                await StartAsync(cancellationToken);
                _started = true;
            }

            return await ExportClosedDaysAsync(cancellationToken);
        }
        finally
        {
            await SessionAdvisoryLock.ReleaseAsync(lockConnection, LockId);
        }
    }

    /// <summary>What an earlier run left: staging files go, published parts without a manifest row are adopted or removed.</summary>
    private async Task StartAsync(CancellationToken cancellationToken)
    {
        run.Instance = await manifest.InstanceAsync(cancellationToken);
        var staging = await storage.RemoveStagingAsync(cancellationToken);
        var (adopted, removed) = await reconciler.ReconcileAsync(null, cancellationToken);
        diagnostics.Orphans.Add(adopted, new KeyValuePair<string, object?>("outcome", "adopted"));
        diagnostics.Orphans.Add(removed, new KeyValuePair<string, object?>("outcome", "removed"));
        LogStarted(storage.Description, run.Id, staging, adopted, removed);
    }

    private async Task<CycleResult> ExportClosedDaysAsync(CancellationToken cancellationToken)
    {
        var closedBefore = ArchivePlan.ClosedBefore(timeProvider.GetUtcNow(), TimeSpan.FromMinutes(options.Value.GraceMinutes));
        var days = await source.ClosedDaysAsync(closedBefore, cancellationToken);
        int exported = 0, failed = 0, done = 0;
        string? lastError = null;
        var watermark = await manifest.WatermarkAsync(cancellationToken);
        UpdateLag(closedBefore, watermark, days);

        foreach (var day in days)
        {
            using var activity = ArchiverDiagnostics.ActivitySource.StartActivity("archive day");
            activity?.SetTag("iotaspire.archive.day", day.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                // The watermark moves with a day's commit only while every earlier day is exported.
                var export = await exporter.ExportAsync(day, failed == 0 ? day.End : null, cancellationToken);
                done++;
                if (export.Committed)
                {
                    exported++;
                    diagnostics.DaysExported.Add(1);
                    diagnostics.Rows.Add(export.RowsWritten);
                    diagnostics.Bytes.Add(export.BytesWritten);
                    diagnostics.Seconds.Record(export.Elapsed.TotalSeconds);
                    LogExported(day.Day, export.Parts.Count, export.RowsWritten, export.RowsRead, export.BytesWritten,
                        export.Elapsed.TotalSeconds, export.WriteSeconds, export.RowsRead / Math.Max(export.Elapsed.TotalSeconds, 1e-3), done, days.Count);
                }

                if (failed == 0)
                {
                    watermark = day.End;
                    UpdateLag(closedBefore, watermark, days);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failed++;
                lastError = $"{day.Day:yyyy-MM-dd}: {ex.GetType().Name}: {ex.Message}";
                activity?.AddException(ex);
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
                diagnostics.Failures.Add(1);
                LogDayFailed(ex, day.Day, day.Partition);
            }
        }

        if (failed == 0)
        {
            // Days without a partition (no data) are passed as well.
            await manifest.AdvanceWatermarkAsync(closedBefore, cancellationToken);
            watermark = closedBefore;
        }

        return new CycleResult(true, days.Count, exported, failed, lastError, UpdateLag(closedBefore, watermark, days));
    }

    private TimeSpan UpdateLag(DateTime closedBefore, DateTime? watermark, IReadOnlyList<RawDay> days)
    {
        var lag = ArchivePlan.Lag(closedBefore, watermark, days.Count > 0 ? days[0].Start : null);
        diagnostics.SetLag(lag);
        return lag;
    }

    [LoggerMessage(LogLevel.Debug, "Another Archiver holds the archive lock; skipping this pass")]
    private partial void LogBusy();

    [LoggerMessage(LogLevel.Information, "Archiver started on {Storage} (run {RunId}): {Staging} staging files removed, {Adopted} unrecorded parts adopted, {Removed} removed")]
    private partial void LogStarted(string storage, Guid runId, int staging, int adopted, int removed);

    [LoggerMessage(LogLevel.Information, "Exported {Day:yyyy-MM-dd}: {Parts} parts, {Rows} new rows of {Read} read, {Bytes} bytes in {Seconds:F2} s (read and write {WriteSeconds:F2} s; {RowsPerSecond:F0} rows/s); day {Done} of {Total}")]
    private partial void LogExported(DateOnly day, int parts, long rows, long read, long bytes, double seconds, double writeSeconds, double rowsPerSecond, int done, int total);

    [LoggerMessage(LogLevel.Error, "Export of {Day:yyyy-MM-dd} ({Partition}) failed; the other days go on and this one is retried")]
    private partial void LogDayFailed(Exception exception, DateOnly day, string partition);
}
