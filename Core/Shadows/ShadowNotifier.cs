using System.Text.Json.Nodes;
using IotAspire.Core.Events;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;

namespace IotAspire.Core.Shadows;

/// <summary>
/// Tells the device and the apps what an update did, as AWS does: update/accepted (or rejected), update/documents,
/// update/delta (retained, kept equal to the stored shadow's delta: see <see cref="RetainedDelta"/>), and a "shadow"
/// event. Used by the worker (device updates) and the Api (app updates of desired), so both behave the same.
/// </summary>
public sealed class ShadowNotifier(
    IMqttPublisher mqtt, IDeviceEventPublisher events, RetainedDelta retainedDelta, RetainedDeltaRepairs repairs, TimeProvider clock)
{
    /// <summary>
    /// Publishes the accepted update's messages. On failure the retained delta is handed to <see cref="RetainedDeltaRepairs"/>
    /// (so it still ends as the stored one) and the exception goes to the caller, whose update is stored either way.
    /// </summary>
    public async Task AcceptedAsync(string deviceId, ShadowApplyResult result, CancellationToken cancellationToken)
    {
        var deltaChanged = !result.Repeated && (result.DeltaMessage is not null || result.DeltaCleared);
        try
        {
            await mqtt.PublishAsync(ShadowTopics.UpdateAccepted(deviceId), Utf8(result.Accepted!), retain: false, cancellationToken);
            if (result.Repeated)
            {
                return; // The same request again: only its answer. The change and its messages went out the first time.
            }

            await mqtt.PublishAsync(ShadowTopics.UpdateDocuments(deviceId), Utf8(result.Documents!), retain: false, cancellationToken);
            if (deltaChanged)
            {
                await retainedDelta.PublishAsync(deviceId, result.DeltaMessage, cancellationToken);
            }
        }
        catch when (deltaChanged)
        {
            repairs.Schedule(deviceId);
            throw;
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

    internal static ReadOnlyMemory<byte> Utf8(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
}
