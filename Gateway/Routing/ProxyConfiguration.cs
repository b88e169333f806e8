using Yarp.ReverseProxy.Configuration;

namespace IotAspire.Gateway.Routing;

/// <summary>
/// The routes and clusters, in code: the hub with session affinity, everything else balanced round robin over the same
/// Api replicas. Each replica's /health is probed; a replica that fails a probe, or refuses a connection, gets no new
/// requests or connections.
/// </summary>
public static class ProxyConfiguration
{
    public const string ApiCluster = "api";
    public const string HubCluster = "api-hubs";

    /// <summary>
    /// The cookie that pins a client's hub requests to one replica. A SignalR connection is made of several requests
    /// (negotiate, then the WebSocket, the event stream or the polls), and only the replica that negotiated knows it.
    /// Browsers, the .NET client and the JavaScript client (in node too) keep cookies between those requests by default.
    /// </summary>
    public const string AffinityCookie = "iotaspire.hub";

    public const string HubPath = "/hubs/{**rest}";

    public static IReadOnlyList<RouteConfig> Routes() =>
    [
        new RouteConfig { RouteId = "hubs", ClusterId = HubCluster, Match = new RouteMatch { Path = HubPath } },
        // The REST API, its OpenAPI document and reference UI: anything not matched by a more specific route.
        new RouteConfig { RouteId = "api", ClusterId = ApiCluster, Match = new RouteMatch { Path = "/{**rest}" }, Order = 100 },
    ];

    public static IReadOnlyList<ClusterConfig> Clusters(GatewayOptions options) =>
    [
        ApiReplicas(ApiCluster, options) with { LoadBalancingPolicy = "RoundRobin" },
        ApiReplicas(HubCluster, options) with
        {
            // A new client (no cookie) goes to the next replica in turn; its cookie keeps it there until that replica fails
            // (a probe, or a refused connection), then its next request (a reconnect) goes elsewhere and gets a new cookie.
            LoadBalancingPolicy = "RoundRobin",
            SessionAffinity = new SessionAffinityConfig
            {
                Enabled = true,
                Policy = "HashCookie", // The destination's hashed id: the same on every gateway instance, no key ring.
                FailurePolicy = "Redistribute",
                AffinityKeyName = AffinityCookie,
                Cookie = new SessionAffinityCookieConfig { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/hubs" },
            },
        },
    ];

    private static ClusterConfig ApiReplicas(string clusterId, GatewayOptions options)
    {
        var interval = TimeSpan.FromSeconds(options.HealthCheckIntervalSeconds);
        return new ClusterConfig
        {
            ClusterId = clusterId,
            Destinations = options.ApiReplicas
                .Select((address, index) => (Id: $"api-{index + 1}", Address: address.ToString()))
                .ToDictionary(d => d.Id, d => new DestinationConfig { Address = d.Address }),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = interval,
                    Timeout = interval,
                    Policy = "ConsecutiveFailures",
                    Path = "/health",
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = UnavailableReplicaHealthPolicy.PolicyName,
                    ReactivationPeriod = UnavailableReplicaHealthPolicy.ReactivationPeriod,
                },
                // When no replica is healthy (Redis down for all of them), still forward: the Api's own answer (503 with
                // Retry-After) says more than the gateway's bare 503 would.
                AvailableDestinationsPolicy = "HealthyOrPanic",
            },
            Metadata = new Dictionary<string, string> { ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1" },
        };
    }
}
