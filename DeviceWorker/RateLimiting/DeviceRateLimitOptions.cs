using System.ComponentModel.DataAnnotations;

namespace IotAspire.DeviceWorker.RateLimiting;

/// <summary>Per-device message rate limit of the worker, section <c>RateLimit</c>.</summary>
public sealed class DeviceRateLimitOptions
{
    public const string Section = "DeviceRateLimit";

    /// <summary>Sustained messages per second one device may send; 0 turns the limit off.</summary>
    [Range(0, 1_000_000)]
    public double MessagesPerSecond { get; set; } = 100;

    /// <summary>
    /// Messages a device may send at once after being quiet (the bucket's size). Large on purpose: the worker sees
    /// messages when they arrive, so after an outage of the worker a device's queued backlog comes all at once and
    /// must fit (a 1 Hz device: about 2.7 hours). A flooding device still gets this once, then the sustained rate.
    /// </summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 10_000;

    public bool Enabled => MessagesPerSecond > 0;
}
