using IotAspire.Core;
using IotAspire.Core.Events;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace IotAspire.Realtime;

public static class RealtimeExtensions
{
    /// <summary>Prefix of the backplane's Redis channels; the same in every process that sends or hosts the hub.</summary>
    public const string ChannelPrefix = "iotaspire.signalr";

    /// <summary>
    /// SignalR with the Redis backplane, and <see cref="IDeviceEventPublisher"/> sending through it. The Api maps the
    /// hub; the worker only sends: one hop (Redis pub/sub) from a committed batch to every replica's clients.
    /// </summary>
    public static ISignalRServerBuilder AddDeviceEvents(this IHostApplicationBuilder builder)
    {
        var redis = builder.Configuration.GetConnectionString(ResourceNames.Redis)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ResourceNames.Redis} is missing.");
        builder.Services.AddSingleton<IDeviceEventPublisher, HubDeviceEventPublisher>();
        return builder.Services.AddSignalR()
            .AddStackExchangeRedis(redis, options => options.Configuration.ChannelPrefix = RedisChannel.Literal(ChannelPrefix));
    }
}
