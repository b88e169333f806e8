using System.ComponentModel.DataAnnotations;

namespace IotAspire.Api.Realtime;

/// <summary>Section <c>EventRelay</c>: how the Api reads the device event stream.</summary>
public sealed class EventRelayOptions
{
    public const string Section = "EventRelay";

    /// <summary>The consumer group all replicas share: each event is relayed by exactly one of them.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$")]
    public string ConsumerGroup { get; set; } = "api";

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Longest pause between polls of an idle stream; the pause doubles from 1 ms up to this.</summary>
    [Range(1, 1000)]
    public int MaxPollDelayMilliseconds { get; set; } = 20;

    /// <summary>An event left unacknowledged this long (its replica died or failed) is taken over by another replica.</summary>
    [Range(1, 3600)]
    public int ClaimIdleSeconds { get; set; } = 30;

    [Range(1, 3600)]
    public int ClaimIntervalSeconds { get; set; } = 10;

    /// <summary>Consumers with nothing pending and idle this long (replicas that are gone) are removed from the group.</summary>
    [Range(60, 7 * 86_400)]
    public int ForgetConsumerAfterSeconds { get; set; } = 3600;
}
