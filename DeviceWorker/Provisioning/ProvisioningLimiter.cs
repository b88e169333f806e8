using IotAspire.DeviceWorker.RateLimiting;
using Microsoft.Extensions.Options;

namespace IotAspire.DeviceWorker.Provisioning;

/// <summary>
/// Token buckets for provisioning requests: one per requested id and one over all, checked before a request is even
/// parsed; and a cap on registrations in progress. See <see cref="ProvisioningOptions"/> for why.
/// </summary>
public sealed class ProvisioningLimiter : IDisposable
{
    private const string Overall = "";
    private readonly DeviceRateLimiter _perId;
    private readonly DeviceRateLimiter _overall;

    public ProvisioningLimiter(IOptions<ProvisioningOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        Settings = settings;
        _overall = new DeviceRateLimiter(Options.Create(new DeviceRateLimitOptions { MessagesPerSecond = settings.RequestsPerSecond, Burst = settings.Burst }), time);
        _perId = new DeviceRateLimiter(
            Options.Create(new DeviceRateLimitOptions { MessagesPerSecond = settings.RequestsPerSecond > 0 ? settings.PerIdRequestsPerSecond : 0, Burst = settings.PerIdBurst }),
            time);
        Registrations = new SemaphoreSlim(settings.MaxConcurrentRegistrations);
    }

    public ProvisioningOptions Settings { get; }

    /// <summary>Held while a registration runs.</summary>
    public SemaphoreSlim Registrations { get; }

    /// <summary>True when the request for <paramref name="requestedId"/> may proceed. The id's bucket is checked first, so one id's retries do not use up the overall budget.</summary>
    public bool TryAcquire(string requestedId) =>
        _perId.TryAcquire(requestedId, out _) == RateLimitDecision.Allowed
        && _overall.TryAcquire(Overall, out _) == RateLimitDecision.Allowed;

    public void Dispose() => Registrations.Dispose();
}
