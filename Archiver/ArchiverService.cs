using Microsoft.Extensions.Options;

namespace IotAspire.Archiver;

/// <summary>
/// Runs <see cref="ArchiveCycle"/> at start and every <see cref="ArchiveOptions.IntervalSeconds"/>; after a failure
/// sooner, with a backoff that doubles up to <see cref="ArchiveOptions.MaxRetryDelaySeconds"/>. Nothing it meets ends it
/// but shutdown. With <see cref="ArchiveOptions.ExitWhenCaughtUp"/> the process exits once a pass had nothing left.
/// </summary>
public sealed partial class ArchiverService(
    ArchiveCycle cycle,
    Manifest.ArchiveManifest manifest,
    IOptions<ArchiveOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<ArchiverService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.IntervalSeconds);
        var maxDelay = TimeSpan.FromSeconds(options.Value.MaxRetryDelaySeconds);
        var failures = 0;
        try
        {
            while (true)
            {
                var result = await RunOnceAsync(stoppingToken);
                failures = result?.CaughtUp == true || result?.LockTaken == false ? 0 : failures + 1;
                if (options.Value.ExitWhenCaughtUp && result?.CaughtUp == true)
                {
                    LogCaughtUp();
                    lifetime.StopApplication();
                    return;
                }

                await Task.Delay(failures == 0 ? interval : ArchivePlan.Backoff(failures, maxDelay), timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: an export cut short commits nothing; its files are cleaned up or adopted at the next start.
        }
    }

    /// <summary>Null when the pass failed as a whole (the database is away, say).</summary>
    private async Task<CycleResult?> RunOnceAsync(CancellationToken cancellationToken)
    {
        string? error;
        CycleResult? result = null;
        try
        {
            result = await cycle.RunAsync(cancellationToken);
            error = result.LastError;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"{ex.GetType().Name}: {ex.Message}";
            LogPassFailed(ex);
        }

        if (result?.LockTaken != false)
        {
            try
            {
                await manifest.RecordRunAsync(error, result?.Lag, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogStatusFailed(ex);
            }
        }

        return result;
    }

    [LoggerMessage(LogLevel.Information, "Every closed day is archived; exiting (Archive:ExitWhenCaughtUp)")]
    private partial void LogCaughtUp();

    [LoggerMessage(LogLevel.Error, "Archive pass failed; retrying with backoff")]
    private partial void LogPassFailed(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Could not record the Archiver's status")]
    private partial void LogStatusFailed(Exception exception);
}
