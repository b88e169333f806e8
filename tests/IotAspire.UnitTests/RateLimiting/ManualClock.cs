namespace IotAspire.UnitTests.RateLimiting;

/// <summary>A clock that moves only when told; timestamps in microseconds.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _timestamp = 1_000_000;

    public DateTimeOffset Start { get; } = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => 1_000_000;

    public override long GetTimestamp() => _timestamp;

    public override DateTimeOffset GetUtcNow() => Start.AddTicks((_timestamp - 1_000_000) * 10);

    public void Advance(TimeSpan by) => _timestamp += by.Ticks / 10;
}
