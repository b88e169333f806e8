using System.ComponentModel.DataAnnotations;

namespace IotAspire.Api.Security;

/// <summary>
/// Requests per caller (the token's subject, else the client address), section <c>RateLimit</c>. A token bucket per
/// Api replica: with N replicas behind a round-robin proxy a caller gets up to N times this.
/// </summary>
public sealed class CallerRateLimitOptions
{
    public const string Section = "CallerRateLimit";

    /// <summary>Sustained requests per second per caller; 0 turns the limit off.</summary>
    [Range(0, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Requests a caller may make at once above the sustained rate.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 200;
}
