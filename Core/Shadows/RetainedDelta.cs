using System.Text.Json.Nodes;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;

namespace IotAspire.Core.Shadows;

/// <summary>
/// Keeps the retained <c>shadow/update/delta</c> equal to the stored shadow's delta, so that a device coming back
/// gets what is outstanding now, not an older version's delta.
/// Writers in several processes (worker replicas, Api replicas) publish in no agreed order. So after a publish has
/// been acknowledged (QoS 1: the broker has stored it), the writer reads the stored shadow again and, while its delta
/// differs from what was published last, publishes the stored one. Why that converges: take the last delta the
/// broker stored. Its writer then read the shadow and found that delta; any later change of the shadow came after
/// that read, and the writer of that change publishes after it, so it would have been later still.
/// </summary>
public sealed class RetainedDelta(IMqttPublisher mqtt, IShadowStore store)
{
    /// <summary>Each round means another writer changed the delta meanwhile, and that writer checks again itself.</summary>
    private const int MaxRounds = 8;

    /// <summary>Publishes <paramref name="deltaMessage"/> (null: clears the retained delta), then converges on the stored one.</summary>
    public async Task PublishAsync(string deviceId, JsonObject? deltaMessage, CancellationToken cancellationToken)
    {
        await PublishMessageAsync(deviceId, deltaMessage, cancellationToken);
        var published = deltaMessage?["state"];
        for (var round = 0; round < MaxRounds; round++)
        {
            var stored = await store.GetAsync(deviceId, cancellationToken);
            var storedDelta = stored?.Delta();
            if (JsonNode.DeepEquals(storedDelta, published))
            {
                return;
            }

            await PublishMessageAsync(deviceId, stored is null ? null : ShadowRules.DeltaMessage(stored), cancellationToken);
            published = storedDelta;
        }
    }

    /// <summary>Publishes the stored shadow's delta, whatever was published before (the repair after a failed publish).</summary>
    public async Task PublishStoredAsync(string deviceId, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(deviceId, cancellationToken);
        await PublishAsync(deviceId, stored is null ? null : ShadowRules.DeltaMessage(stored), cancellationToken);
    }

    // An empty retained message removes the retained delta: nothing is outstanding any more.
    private Task PublishMessageAsync(string deviceId, JsonObject? message, CancellationToken cancellationToken) =>
        mqtt.PublishAsync(ShadowTopics.UpdateDelta(deviceId), message is null ? ReadOnlyMemory<byte>.Empty : ShadowNotifier.Utf8(message), retain: true, cancellationToken);
}
