using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace IotAspire.Gateway.Routing;

/// <summary>
/// The gateway is as healthy as the replicas behind it: healthy when all passed their last probe, degraded when some
/// did, unhealthy when none did (or none was probed yet, as at start).
/// </summary>
public sealed class ApiReplicasHealthCheck(IProxyStateLookup proxy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxy.TryGetCluster(ProxyConfiguration.ApiCluster, out var cluster))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The Api cluster is not configured."));
        }

        var replicas = cluster.Destinations.Values.ToList();
        var data = replicas.ToDictionary(r => r.DestinationId, r => (object)r.Health.Active.ToString());
        var healthy = replicas.Count(r => r.Health.Active == DestinationHealth.Healthy);
        var summary = $"{healthy} of {replicas.Count} Api replicas healthy";
        return Task.FromResult(
            healthy == replicas.Count ? HealthCheckResult.Healthy(summary, data)
            : healthy > 0 ? HealthCheckResult.Degraded(summary, data: data)
            : HealthCheckResult.Unhealthy(summary, data: data));
    }
}
