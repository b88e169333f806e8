namespace IotAspire.Core.Http;

/// <summary>
/// What an Api replica that is shutting down answers, so that the gateway stops sending to it at once. Without it, a
/// hub client that lost its connection reconnects through the gateway's pooled connections to the same, still draining
/// replica, and its new connection holds the shutdown up until the orchestrator gives up.
/// </summary>
public static class ReplicaDraining
{
    /// <summary>Set on every answer of a replica that is stopping (503, <c>Retry-After: 1</c>).</summary>
    public const string Header = "X-Replica-Stopping";
}
