namespace IotAspire.DeviceWorker.Messaging;

public enum DispatchOutcome
{
    /// <summary>Every matching handler completed: acknowledge.</summary>
    Handled,

    /// <summary>Stored in the dead-letter table: acknowledge.</summary>
    DeadLettered,

    /// <summary>Dropped by the per-device rate limit: acknowledge (redelivery would only flood again).</summary>
    RateLimited,

    /// <summary>Neither handled nor dead-lettered (the database is down): do not acknowledge, so the broker redelivers.</summary>
    NotAcknowledged,
}
