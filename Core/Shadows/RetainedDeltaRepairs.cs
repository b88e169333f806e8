using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAspire.Core.Shadows;

/// <summary>
/// Devices whose retained delta may be stale because publishing it failed (broker or Redis away): republishes the
/// stored shadow's delta for each, with back-off, until it succeeds. Kept in memory: after a crash of this process a
/// device still gets the current delta from shadow/get, and from the next update of its shadow.
/// </summary>
public sealed partial class RetainedDeltaRepairs(RetainedDelta retainedDelta, ILogger<RetainedDeltaRepairs> logger) : BackgroundService
{
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, byte> _scheduled = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Devices waiting for a repair (for tests and health).</summary>
    public int Pending => _scheduled.Count;

    public void Schedule(string deviceId)
    {
        if (_scheduled.TryAdd(deviceId, 0))
        {
            _queue.Writer.TryWrite(deviceId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = MinDelay;
        try
        {
            await foreach (var deviceId in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    _scheduled.TryRemove(deviceId, out _); // Before the read: a failure scheduled meanwhile is not lost.
                    await retainedDelta.PublishStoredAsync(deviceId, stoppingToken);
                    LogRepaired(deviceId);
                    delay = MinDelay;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRepairFailed(ex, deviceId, delay.TotalSeconds);
                    Schedule(deviceId);
                    await Task.Delay(delay, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(LogLevel.Information, "Republished the retained shadow delta of {DeviceId}")]
    private partial void LogRepaired(string deviceId);

    [LoggerMessage(LogLevel.Warning, "Republishing the retained shadow delta of {DeviceId} failed; trying again in {DelaySeconds:0.##} s")]
    private partial void LogRepairFailed(Exception exception, string deviceId, double delaySeconds);
}
