using IotAspire.Core.Protocol;
using IotAspire.DeviceWorker.Messaging;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class MessageHandlerServiceCollectionExtensions
{
    /// <summary>
    /// Routes messages whose topic matches <paramref name="topicFilter"/> (MQTT wildcards '+' and '#') to
    /// <typeparamref name="THandler"/>. The one line a new topic needs; the worker subscribes to it on every connect.
    /// </summary>
    public static IServiceCollection AddMessageHandler<THandler>(this IServiceCollection services, string topicFilter)
        where THandler : class, IDeviceMessageHandler
    {
        if (!TopicFilter.IsValidFilter(topicFilter) || topicFilter.StartsWith('$'))
        {
            throw new ArgumentException(
                $"'{topicFilter}' is not a valid MQTT topic filter (the worker adds the $share prefix itself).",
                nameof(topicFilter));
        }

        services.TryAddScoped<THandler>();
        services.AddSingleton(new MessageHandlerRegistration(topicFilter, typeof(THandler)));
        return services;
    }
}
