using IotAspire.Core.Mqtt;
using Microsoft.Extensions.DependencyInjection;

namespace IotAspire.Core.Shadows;

public static class ShadowServiceCollectionExtensions
{
    /// <summary>
    /// The shadow store and what tells devices and apps about updates: the notifier, the retained delta's convergence
    /// and its repairs. Needs an <see cref="IMqttPublisher"/>, an event publisher, Redis and a TimeProvider.
    /// </summary>
    public static IServiceCollection AddShadowNotifications(this IServiceCollection services)
    {
        services.AddSingleton<IShadowStore, RedisShadowStore>();
        services.AddSingleton<RetainedDelta>();
        services.AddSingleton<RetainedDeltaRepairs>();
        services.AddHostedService(sp => sp.GetRequiredService<RetainedDeltaRepairs>());
        services.AddSingleton<ShadowNotifier>();
        return services;
    }
}
