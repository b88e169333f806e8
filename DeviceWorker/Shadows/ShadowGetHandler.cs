using System.Text.Json;
using System.Text.Json.Nodes;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Core.Shadows;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Messaging;

namespace IotAspire.DeviceWorker.Shadows;

/// <summary>
/// <c>devices/+/shadow/get</c> (payload empty or <c>{"clientToken":".."}</c>): answers get/accepted with the whole
/// document (state with delta, metadata, version, timestamp), or get/rejected 404 when the device has no shadow.
/// </summary>
public sealed class ShadowGetHandler(
    IShadowStore store,
    IMqttPublisher mqtt,
    IDeadLetterSink deadLetters,
    TimeProvider clock) : IDeviceMessageHandler
{
    public async Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        if (message.DeviceId is not { } deviceId)
        {
            await deadLetters.WriteAsync(
                DeadLetter.For(message, DeadLetterKinds.InvalidTopic, "the topic carries no valid device id"), cancellationToken);
            return;
        }

        var request = ReadRequest(message.Payload.Span);
        if (request.Error is not null)
        {
            await PublishAsync(ShadowTopics.GetRejected(deviceId), request.Error.ToDocument(clock.GetUtcNow()), cancellationToken);
            return;
        }

        var state = await store.GetAsync(deviceId, cancellationToken);
        if (state is null)
        {
            await PublishAsync(ShadowTopics.GetRejected(deviceId), ShadowError.NotFound(request.ClientToken).ToDocument(clock.GetUtcNow()), cancellationToken);
            return;
        }

        await PublishAsync(ShadowTopics.GetAccepted(deviceId), state.ToDocument(request.ClientToken), cancellationToken);
    }

    /// <summary>An empty payload is a plain get; otherwise an object whose optional clientToken is echoed.</summary>
    internal static (string? ClientToken, ShadowError? Error) ReadRequest(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return (null, null);
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload);
        }
        catch (JsonException)
        {
            return (null, ShadowError.BadRequest("Invalid JSON"));
        }

        if (root is not JsonObject request)
        {
            return (null, ShadowError.BadRequest("Invalid JSON: the request must be an object"));
        }

        if (request["clientToken"] is not { } token)
        {
            return (null, null);
        }

        return token.GetValueKind() == JsonValueKind.String && token.GetValue<string>().Length <= ShadowRules.MaxClientTokenLength
            ? (token.GetValue<string>(), null)
            : (null, ShadowError.BadRequest($"clientToken must be a string of at most {ShadowRules.MaxClientTokenLength} characters"));
    }

    private Task PublishAsync(string topic, JsonObject document, CancellationToken cancellationToken) =>
        mqtt.PublishAsync(topic, JsonSerializer.SerializeToUtf8Bytes(document), retain: false, cancellationToken);
}
