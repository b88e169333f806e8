using IotAspire.Core.Events;
using Microsoft.AspNetCore.SignalR;

namespace IotAspire.Realtime;

/// <summary>
/// Sends each event to its device's group through the hub context. In a process that does not host the hub (the worker)
/// the Redis backplane carries it, one PUBLISH per event, to every Api replica, which sends it to its own connections in
/// the group. Live only: a replica that is down or restarting misses what is sent meanwhile, as its clients do.
/// </summary>
public sealed class HubDeviceEventPublisher(IHubContext<DevicesHub> hub) : IDeviceEventPublisher
{
    public Task PublishAsync(DeviceEvent deviceEvent, CancellationToken cancellationToken) =>
        hub.Clients.Group(DevicesHub.Group(deviceEvent.DeviceId)).SendAsync(deviceEvent.Type, deviceEvent.Data, cancellationToken);

    /// <summary>Issued in order on one Redis connection (pipelined), so a device's events keep their order.</summary>
    public Task PublishAsync(IReadOnlyCollection<DeviceEvent> deviceEvents, CancellationToken cancellationToken) =>
        Task.WhenAll(deviceEvents.Select(e => PublishAsync(e, cancellationToken)));
}
