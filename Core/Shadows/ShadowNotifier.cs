using System.Text.Json.Nodes;
using IotAspire.Core.Events;
using IotAspire.Core.Protocol;

namespace IotAspire.Core.Shadows;

/// <summary>Publishes to the broker; the worker and the Api each implement it with their own MQTT connection.</summary>
public interface IDeviceMessagePublisher
{
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken);
}

/// <summary>
/// Tells the device and the apps what an update did, as AWS does: update/accepted (or rejected), update/documents,
/// update/delta (retained, cleared with an empty retained message once reported catches up), and a "shadow" event.
/// Used by the worker (device updates) and the Api (app updates of desired), so both behave the same.
/// </summary>
public sealed class ShadowNotifier(IDeviceMessagePublisher mqtt, IDeviceEventPublisher events, TimeProvider clock)
{
    public async Task AcceptedAsync(string deviceId, ShadowApplyResult result, CancellationToken cancellationToken)
    {
        await mqtt.PublishAsync(ShadowTopics.UpdateAccepted(deviceId), Utf8(result.Accepted!), retain: false, cancellationToken);
        await mqtt.PublishAsync(ShadowTopics.UpdateDocuments(deviceId), Utf8(result.Documents!), retain: false, cancellationToken);
        if (result.DeltaMessage is not null)
        {
            await mqtt.PublishAsync(ShadowTopics.UpdateDelta(deviceId), Utf8(result.DeltaMessage), retain: true, cancellationToken);
        }
        else if (result.DeltaCleared)
        {
            // An empty retained message removes the retained delta: nothing is outstanding any more.
            await mqtt.PublishAsync(ShadowTopics.UpdateDelta(deviceId), ReadOnlyMemory<byte>.Empty, retain: true, cancellationToken);
        }

        var state = result.State!;
        await events.PublishAsync(new DeviceEvent(DeviceEvent.Shadow, deviceId, new JsonObject
        {
            ["deviceId"] = deviceId,
            ["version"] = state.Version,
            ["document"] = state.ToDocument(),
        }), cancellationToken);
    }

    public Task RejectedAsync(string deviceId, ShadowError error, CancellationToken cancellationToken) =>
        mqtt.PublishAsync(ShadowTopics.UpdateRejected(deviceId), Utf8(error.ToDocument(clock.GetUtcNow())), retain: false, cancellationToken);

    private static ReadOnlyMemory<byte> Utf8(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
}
