using IotAspire.DeviceWorker.Messaging;

namespace IotAspire.DeviceWorker.DeadLetters;

/// <summary>
/// A message the worker could not accept. <see cref="Kind"/> is a short, low-cardinality code for metrics;
/// <see cref="Reason"/> is the full text for people.
/// </summary>
public sealed record DeadLetter(string Topic, string? DeviceId, string Kind, string Reason, ReadOnlyMemory<byte> Payload)
{
    public static DeadLetter For(DeviceMessage message, string kind, string reason) =>
        new(message.Topic, message.DeviceId, kind, reason, message.Payload);
}

/// <summary>The reason kinds the worker itself uses.</summary>
public static class DeadLetterKinds
{
    public const string NoHandler = "no_handler";
    public const string HandlerFailed = "handler_failed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string InvalidTopic = "invalid_topic";
    public const string InvalidPayload = "invalid_payload";
    public const string DeviceNotRegistered = "device_not_registered";

    /// <summary>The device exceeded its rate limit; recorded once per device per minute, not per message.</summary>
    public const string RateLimited = "rate_limited";
}
