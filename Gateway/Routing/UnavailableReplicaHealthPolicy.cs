using IotAspire.Core.Http;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace IotAspire.Gateway.Routing;

/// <summary>
/// Passive health: a replica that refuses a connection, or answers that it is stopping (<see cref="ReplicaDraining"/>),
/// is taken out at once, for <see cref="ReactivationPeriod"/>, instead of waiting for its next probe. A replica killed
/// with <c>kill -9</c> refuses the very next request, so the clients that lost their connection to it reconnect to
/// another one on their first attempt; a replica stopped gracefully gets no new hub connections that would hold its
/// shutdown up.
/// </summary>
public sealed class UnavailableReplicaHealthPolicy(IDestinationHealthUpdater health) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "UnavailableReplica";

    /// <summary>After this the active probe's verdict alone counts again (a replica restarted by then is back).</summary>
    public static readonly TimeSpan ReactivationPeriod = TimeSpan.FromSeconds(5);

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        if (context.IsConnectFailure() || context.Response.Headers.ContainsKey(ReplicaDraining.Header))
        {
            health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, ReactivationPeriod);
        }
    }
}
