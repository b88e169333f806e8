namespace IotAspire.DeviceWorker.Messaging;

/// <summary>
/// Handles the messages of one topic filter. Register with
/// <c>builder.Services.AddMessageHandler&lt;MyHandler&gt;("devices/+/alarms")</c>.
/// The message is acknowledged when the returned task completes, so complete it only once the message is
/// durably handled. Throwing sends the message to the dead-letter table (and acknowledges it).
/// A handler is resolved from a new DI scope per message.
/// </summary>
public interface IDeviceMessageHandler
{
    Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken);
}
