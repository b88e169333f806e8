using IotAspire.Gateway.Routing;

namespace IotAspire.UnitTests.Gateway;

public sealed class ProxyConfigurationTests
{
    private static readonly GatewayOptions TwoReplicas = new()
    {
        ApiReplicas = [new Uri("http://localhost:5001"), new Uri("http://localhost:5002")],
    };

    [Fact]
    public void Routes_HubPath_GoesToTheClusterWithAffinityAndEverythingElseToTheBalancedOne()
    {
        var routes = ProxyConfiguration.Routes();

        var hub = Assert.Single(routes, r => r.Match.Path == ProxyConfiguration.HubPath);
        Assert.Equal(ProxyConfiguration.HubCluster, hub.ClusterId);
        var rest = Assert.Single(routes, r => r.ClusterId == ProxyConfiguration.ApiCluster);
        Assert.True(rest.Order > (hub.Order ?? 0), "the catch-all must not win over the hub route");
    }

    [Fact]
    public void Clusters_BothOverEveryReplica_OnlyTheHubsPinnedByCookie()
    {
        var clusters = ProxyConfiguration.Clusters(TwoReplicas).ToDictionary(c => c.ClusterId);

        foreach (var cluster in clusters.Values)
        {
            Assert.Equal(["http://localhost:5001/", "http://localhost:5002/"], cluster.Destinations!.Values.Select(d => d.Address));
            Assert.True(cluster.HealthCheck!.Active!.Enabled);
            Assert.Equal("/health", cluster.HealthCheck.Active.Path);
            Assert.Equal(UnavailableReplicaHealthPolicy.PolicyName, cluster.HealthCheck.Passive!.Policy);
        }

        var hubs = clusters[ProxyConfiguration.HubCluster].SessionAffinity!;
        Assert.True(hubs.Enabled);
        Assert.Equal(ProxyConfiguration.AffinityCookie, hubs.AffinityKeyName);
        Assert.Equal("Redistribute", hubs.FailurePolicy);
        Assert.False(clusters[ProxyConfiguration.ApiCluster].SessionAffinity?.Enabled ?? false);
    }
}
