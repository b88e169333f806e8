namespace IotAspire.DeviceWorker.RateLimiting;

public enum RateLimitDecision
{
    /// <summary>Within the limit: process the message.</summary>
    Allowed,

    /// <summary>Over the limit: drop the message (acknowledged), already reported this minute.</summary>
    Dropped,

    /// <summary>Over the limit: drop the message and report it (log and dead letter), the first drop this minute.</summary>
    DroppedAndReport,
}
