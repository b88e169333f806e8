using IotAspire.Bench.Reporting;

namespace IotAspire.Bench.Latency;

public sealed record LatencyReport(
    double WindowSeconds,
    long SentInWindow,
    long ReceivedInWindow,
    long LostInWindow,
    double ReceivedPerSecond,
    Percentiles LatencyMs,
    long PublishFailures,
    long TelemetryEvents,
    long Duplicates,
    long Foreign,
    long EventsWithoutSequence,
    long EventsWithUnknownSequence,
    long ShadowEvents,
    long PresenceEvents,
    string? FirstUnmatchedEvent)
{
    public bool TargetsMet => LatencyMs.Count > 0 && LatencyMs.P50 <= LatencyBenchmark.TargetP50Ms && LatencyMs.P99 <= LatencyBenchmark.TargetP99Ms && LostInWindow == 0;

    public static LatencyReport From(LatencySettings settings, double windowSeconds, SentLedger ledger, HubListener listener, long publishFailures)
    {
        var window = ledger.All.Where(m => m.Subscribed && m.InWindow).ToList();
        var received = window.Count(m => m.Received);
        return new LatencyReport(
            Math.Round(windowSeconds, 2),
            window.Count,
            received,
            window.Count - received,
            Math.Round(received / windowSeconds, 0),
            Percentiles.From(listener.WindowLatencies()),
            publishFailures,
            listener.Events,
            listener.Duplicates,
            listener.Foreign,
            listener.WithoutSequence,
            listener.UnknownSequence,
            listener.ShadowEvents,
            listener.PresenceEvents,
            listener.FirstUnmatched);
    }

    public void Print()
    {
        new ConsoleTable("Device -> SignalR latency (ms, publish to arrival at the .NET client)",
                "messages in window", "received", "lost", "received/s", "p50", "p90", "p99", "p99.9", "max", "mean")
            .Add(SentInWindow, ReceivedInWindow, LostInWindow, ReceivedPerSecond, LatencyMs.P50, LatencyMs.P90, LatencyMs.P99, LatencyMs.P999, LatencyMs.Max, LatencyMs.Mean)
            .Print();
        new ConsoleTable("Events at the client", "telemetry", "duplicates", "from unsubscribed devices", "without seq", "unknown seq", "shadow", "presence", "publish failures")
            .Add(TelemetryEvents, Duplicates, Foreign, EventsWithoutSequence, EventsWithUnknownSequence, ShadowEvents, PresenceEvents, PublishFailures)
            .Print();
        if (FirstUnmatchedEvent is not null)
        {
            Console.WriteLine($"\nfirst event that matched no sent message: {FirstUnmatchedEvent}");
        }

        Console.WriteLine($"\ntargets p50 <= {LatencyBenchmark.TargetP50Ms} ms, p99 <= {LatencyBenchmark.TargetP99Ms} ms, nothing lost: {(TargetsMet ? "yes" : "no")}; "
            + $"no event of an unsubscribed device: {(Foreign == 0 ? "yes" : "no")}");
    }
}
