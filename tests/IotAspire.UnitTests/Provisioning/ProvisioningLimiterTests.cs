using IotAspire.DeviceWorker.Provisioning;
using IotAspire.UnitTests.RateLimiting;
using Microsoft.Extensions.Options;

namespace IotAspire.UnitTests.Provisioning;

public sealed class ProvisioningLimiterTests
{
    private readonly ManualClock _clock = new();

    private ProvisioningLimiter Limiter(double perSecond = 10, int burst = 20, double perId = 0.2, int perIdBurst = 3) =>
        new(Options.Create(new ProvisioningOptions { RequestsPerSecond = perSecond, Burst = burst, PerIdRequestsPerSecond = perId, PerIdBurst = perIdBurst }), _clock);

    [Fact]
    public void TryAcquire_OneIdRetryingFast_GetsItsBurstOnly()
    {
        using var limiter = Limiter();

        var allowed = Enumerable.Range(0, 50).Count(_ => limiter.TryAcquire("dev-1"));

        Assert.Equal(3, allowed);
    }

    [Fact]
    public void TryAcquire_ManyIdsFromOneFlood_GetTheOverallBurstThenTheRate()
    {
        using var limiter = Limiter(perSecond: 10, burst: 20);

        var atOnce = Enumerable.Range(0, 500).Count(i => limiter.TryAcquire($"dev-{i}"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        var aSecondLater = Enumerable.Range(500, 500).Count(i => limiter.TryAcquire($"dev-{i}"));

        Assert.Equal(20, atOnce);
        Assert.Equal(10, aSecondLater);
    }

    [Fact]
    public void TryAcquire_RefusedById_DoesNotUseTheOverallBudget()
    {
        using var limiter = Limiter(perSecond: 10, burst: 5, perIdBurst: 1);
        Enumerable.Range(0, 100).Count(_ => limiter.TryAcquire("noisy"));

        var others = Enumerable.Range(0, 10).Count(i => limiter.TryAcquire($"dev-{i}"));

        Assert.Equal(4, others); // 5 overall, one taken by the noisy id's first request.
    }
}
