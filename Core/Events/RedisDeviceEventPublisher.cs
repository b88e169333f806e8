using StackExchange.Redis;

namespace IotAspire.Core.Events;

/// <summary>Appends events to the Redis stream <see cref="DeviceEvent.StreamKey"/> (fields: type, device, data).</summary>
public sealed class RedisDeviceEventPublisher(IConnectionMultiplexer redis) : IDeviceEventPublisher
{
    public Task PublishAsync(DeviceEvent deviceEvent, CancellationToken cancellationToken) =>
        redis.GetDatabase().StreamAddAsync(DeviceEvent.StreamKey, Fields(deviceEvent),
            maxLength: DeviceEvent.StreamMaxLength, useApproximateMaxLength: true);

    public async Task PublishAsync(IReadOnlyCollection<DeviceEvent> deviceEvents, CancellationToken cancellationToken)
    {
        if (deviceEvents.Count == 0)
        {
            return;
        }

        var batch = redis.GetDatabase().CreateBatch();
        var writes = deviceEvents
            .Select(e => batch.StreamAddAsync(DeviceEvent.StreamKey, Fields(e), maxLength: DeviceEvent.StreamMaxLength, useApproximateMaxLength: true))
            .ToArray();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public static NameValueEntry[] Fields(DeviceEvent deviceEvent) =>
    [
        new("type", deviceEvent.Type),
        new("device", deviceEvent.DeviceId),
        new("data", deviceEvent.Data.ToJsonString()),
    ];
}
