namespace IotAspire.Core.Mqtt;

/// <summary>
/// How long a <see cref="ResilientMqttClient"/> waits after a failed connection attempt (the first attempt is at once):
/// <paramref name="First"/>, doubled after every further failure up to <paramref name="Max"/>, spread by up to
/// ±<paramref name="Spread"/> of itself, plus up to <paramref name="Jitter"/>. The randomness keeps replicas and devices
/// from reconnecting in lock step after a broker restart.
/// </summary>
public sealed record MqttReconnectBackoff(TimeSpan First, TimeSpan Max, double Spread = 0, TimeSpan Jitter = default)
{
    /// <summary>
    /// A service's: 250 ms, doubled up to <paramref name="max"/>, plus 0-250 ms. Short on purpose: after a broker restart
    /// devices are let in only once the worker has subscribed again, so its reconnect decides how long they wait.
    /// </summary>
    public static MqttReconnectBackoff Service(TimeSpan max) =>
        new(TimeSpan.FromMilliseconds(250), max, Jitter: TimeSpan.FromMilliseconds(250));

    /// <summary>The planned wait after <paramref name="failures"/> failed attempts in a row (1 or more), without randomness.</summary>
    public TimeSpan Planned(int failures)
    {
        var delay = First;
        for (var i = 1; i < failures && delay < Max; i++)
        {
            delay += delay;
        }

        return delay < Max ? delay : Max;
    }

    /// <summary>The wait after <paramref name="failures"/> failed attempts in a row, with its randomness.</summary>
    public TimeSpan Next(int failures, Random random)
    {
        var planned = Planned(failures);
        var spread = Spread > 0 ? planned * (1 - Spread + (2 * Spread * random.NextDouble())) : planned;
        return spread + (Jitter > TimeSpan.Zero ? Jitter * random.NextDouble() : TimeSpan.Zero);
    }
}
