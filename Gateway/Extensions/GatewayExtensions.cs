using IotAspire.Gateway.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace IotAspire.Gateway.Extensions;

public static class GatewayExtensions
{
    /// <summary>The reverse proxy over the Api replicas (routes and clusters from <see cref="ProxyConfiguration"/>).</summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IProxyConfigProvider>(services =>
        {
            var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
            return new InMemoryConfigProvider(ProxyConfiguration.Routes(), ProxyConfiguration.Clusters(options));
        });
        builder.Services.AddReverseProxy();
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, UnavailableReplicaHealthPolicy>();
        builder.Services.AddHealthChecks().AddCheck<ApiReplicasHealthCheck>("api-replicas");
        return builder;
    }

    /// <summary>The proxy's pipeline: YARP's own steps, with a retry around them for replicas that cannot be reached.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(RetryOnConnectFailure.InvokeAsync);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
