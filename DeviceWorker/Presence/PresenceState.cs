namespace IotAspire.DeviceWorker.Presence;

/// <summary>Whether a device is connected, and since when (the time the worker received the status that said so).</summary>
public sealed record PresenceState(bool Online, DateTimeOffset Since);

public enum PresenceDecision
{
    /// <summary>A new state (or the first one): record it.</summary>
    Apply,

    /// <summary>The state already recorded, again (a retained status redelivered, a duplicate): keep its time.</summary>
    Unchanged,

    /// <summary>A different state, but older than the recorded one (processed out of order): ignore it.</summary>
    Stale,
}

/// <summary>Which status messages change presence. Pure, so that the ordering rules are tested on their own.</summary>
public static class PresenceTransitions
{
    public static PresenceDecision Decide(PresenceState? current, bool online, DateTimeOffset at)
    {
        if (current is null)
        {
            return PresenceDecision.Apply;
        }

        if (current.Online == online)
        {
            return PresenceDecision.Unchanged;
        }

        return at < current.Since ? PresenceDecision.Stale : PresenceDecision.Apply;
    }
}
