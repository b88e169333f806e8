using IotAspire.DeviceWorker.RateLimiting;
using Microsoft.Extensions.Options;

namespace IotAspire.UnitTests.RateLimiting;

public class DeviceRateLimiterTests
{
    private readonly ManualClock _clock = new();

    private DeviceRateLimiter Limiter(double perSecond = 10, int burst = 20) =>
        new(Options.Create(new DeviceRateLimitOptions { MessagesPerSecond = perSecond, Burst = burst }), _clock);

    private static int AllowedOf(DeviceRateLimiter limiter, string device, int attempts) =>
        Enumerable.Range(0, attempts).Count(_ => limiter.TryAcquire(device, out long _) == RateLimitDecision.Allowed);

    [Fact]
    public void TryAcquire_BurstAtOnce_AllowsExactlyTheBurst()
    {
        var limiter = Limiter(perSecond: 10, burst: 20);

        Assert.Equal(20, AllowedOf(limiter, "dev-1", 100));
    }

    [Fact]
    public void TryAcquire_AfterEmptying_RefillsAtTheRate()
    {
        var limiter = Limiter(perSecond: 10, burst: 20);
        AllowedOf(limiter, "dev-1", 20);

        _clock.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(5, AllowedOf(limiter, "dev-1", 100));
    }

    [Fact]
    public void TryAcquire_LongIdle_RefillsNoMoreThanTheBurst()
    {
        var limiter = Limiter(perSecond: 10, burst: 20);
        AllowedOf(limiter, "dev-1", 20);

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(20, AllowedOf(limiter, "dev-1", 100));
    }

    [Fact]
    public void TryAcquire_OneDeviceFloods_OtherDevicesKeepTheirOwnBudget()
    {
        var limiter = Limiter(perSecond: 10, burst: 20);

        AllowedOf(limiter, "flooder", 10_000);

        Assert.Equal(20, AllowedOf(limiter, "quiet", 20));
    }

    [Fact]
    public void TryAcquire_ZeroRate_IsOffAndAllowsEverything()
    {
        var limiter = Limiter(perSecond: 0, burst: 1);

        Assert.Equal(10_000, AllowedOf(limiter, "dev-1", 10_000));
        Assert.Equal(0, limiter.TrackedDevices);
    }

    [Fact]
    public void TryAcquire_ContinuousFlood_ReportsOncePerMinuteWithTheDropCount()
    {
        var limiter = Limiter(perSecond: 10, burst: 20);
        var reports = new List<long>();

        // Two and a half minutes of 100 messages a second.
        for (var tick = 0; tick < 1500; tick++)
        {
            for (var i = 0; i < 10; i++)
            {
                if (limiter.TryAcquire("dev-1", out var dropped) == RateLimitDecision.DroppedAndReport)
                {
                    reports.Add(dropped);
                }
            }

            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(3, reports.Count);
        Assert.Equal(1, reports[0]);
        // About 90 of every 100 messages are dropped; the second report carries the minute's drops.
        Assert.InRange(reports[1], 5000, 5500);
    }

    [Fact]
    public void TryAcquire_DropsAfterAQuietMinute_ReportsAgain()
    {
        var limiter = Limiter(perSecond: 10, burst: 20);
        AllowedOf(limiter, "dev-1", 21);
        _clock.Advance(TimeSpan.FromSeconds(10));
        AllowedOf(limiter, "dev-1", 200);
        _clock.Advance(TimeSpan.FromSeconds(61));
        AllowedOf(limiter, "dev-1", 20);

        Assert.Equal(RateLimitDecision.DroppedAndReport, limiter.TryAcquire("dev-1", out var dropped));
        Assert.Equal(180 + 1, dropped); // The 180 unreported drops of the burst, and this one.
    }

    [Fact]
    public void TryAcquire_ManyDevicesGoQuiet_TheirBucketsAreEvicted()
    {
        var limiter = Limiter(perSecond: 10, burst: 20);
        for (var i = 0; i < 1000; i++)
        {
            AllowedOf(limiter, $"dev-{i}", 10);
        }

        AllowedOf(limiter, "flooder", 100); // Unreported drops: kept for its next report, but not forever.
        Assert.Equal(1001, limiter.TrackedDevices);

        _clock.Advance(TimeSpan.FromMinutes(2));
        limiter.TryAcquire("active", out _);
        Assert.Equal(2, limiter.TrackedDevices);

        _clock.Advance(TimeSpan.FromHours(1));
        limiter.TryAcquire("active", out _);
        Assert.Equal(1, limiter.TrackedDevices);
    }

    [Fact]
    public void TryAcquire_ManyThreads_NeverAllowsMoreThanTheBurst()
    {
        var limiter = Limiter(perSecond: 10, burst: 500);
        var allowed = 0;

        Parallel.For(0, 10_000, _ =>
        {
            if (limiter.TryAcquire("dev-1", out _) == RateLimitDecision.Allowed)
            {
                Interlocked.Increment(ref allowed);
            }
        });

        Assert.Equal(500, allowed);
    }
}
