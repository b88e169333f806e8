using System.Collections.Concurrent;
using System.Diagnostics;

namespace IotAspire.Bench.Latency;

/// <summary>One published message: which device, when (Stopwatch ticks, taken just before the publish), and whether it counts.</summary>
public sealed class SentMessage(int device, bool subscribed, long sentAt, bool inWindow)
{
    private int _received;

    public int Device => device;
    public bool Subscribed => subscribed;
    public long SentAt => sentAt;
    public bool InWindow => inWindow;

    /// <summary>True the first time only: a second delivery of the same message is a duplicate.</summary>
    public bool MarkReceived() => Interlocked.Exchange(ref _received, 1) == 0;

    public bool Received => Volatile.Read(ref _received) == 1;
}

/// <summary>Every message the publishers sent, by its global sequence number, so that the receiver can time it.</summary>
public sealed class SentLedger
{
    private readonly ConcurrentDictionary<long, SentMessage> _messages = new();
    private long _sequence;
    private int _window;

    public bool Measuring
    {
        get => Volatile.Read(ref _window) == 1;
        set => Volatile.Write(ref _window, value ? 1 : 0);
    }

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Add(long sequence, int device, bool subscribed) =>
        _messages[sequence] = new SentMessage(device, subscribed, Stopwatch.GetTimestamp(), Measuring);

    public void Remove(long sequence) => _messages.TryRemove(sequence, out _);

    public SentMessage? Find(long sequence) => _messages.GetValueOrDefault(sequence);

    public IEnumerable<SentMessage> All => _messages.Values;
}
