namespace IotAspire.Core.Events;

public interface IDeviceEventPublisher
{
    Task PublishAsync(DeviceEvent deviceEvent, CancellationToken cancellationToken);

    /// <summary>Many events in one round trip (the worker publishes a batch's telemetry after its commit).</summary>
    Task PublishAsync(IReadOnlyCollection<DeviceEvent> deviceEvents, CancellationToken cancellationToken);
}
