using System.Diagnostics;
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
    string? FirstUnmatchedEvent,
    IReadOnlyList<SecondOfWindow> PerSecond)
{
    public bool TargetsMet => LatencyMs.Count > 0 && LatencyMs.P50 <= LatencyBenchmark.TargetP50Ms && LatencyMs.P99 <= LatencyBenchmark.TargetP99Ms && LostInWindow == 0;

    public static LatencyReport From(double windowSeconds, long windowStart, SentLedger ledger, HubListener listener, long publishFailures)
    {
        var window = ledger.All.Where(m => m.Subscribed && m.InWindow).ToList();
        var received = window.Count(m => m.Received);
        var latencies = listener.WindowLatencies();
        return new LatencyReport(
            Math.Round(windowSeconds, 2),
            window.Count,
            received,
            window.Count - received,
            Math.Round(received / windowSeconds, 0),
            Percentiles.From([.. latencies.Select(l => l.Milliseconds)]),
            publishFailures,
            listener.Events,
            listener.Duplicates,
            listener.Foreign,
            listener.WithoutSequence,
            listener.UnknownSequence,
            listener.ShadowEvents,
            listener.PresenceEvents,
            listener.FirstUnmatched,
            SecondOfWindow.Split(latencies, windowStart));
    }

    public void Print()
    {
        new ConsoleTable("Device -> SignalR latency (ms, publish to arrival at the .NET client)",
                "messages in window", "received", "lost", "received/s", "p50", "p90", "p95", "p99", "p99.9", "max", "mean")
            .Add(SentInWindow, ReceivedInWindow, LostInWindow, ReceivedPerSecond, LatencyMs.P50, LatencyMs.P90, LatencyMs.P95, LatencyMs.P99, LatencyMs.P999, LatencyMs.Max, LatencyMs.Mean)
            .Print();
        new ConsoleTable("Events at the client", "telemetry", "duplicates", "from unsubscribed devices", "without seq", "unknown seq", "shadow", "presence", "publish failures")
            .Add(TelemetryEvents, Duplicates, Foreign, EventsWithoutSequence, EventsWithUnknownSequence, ShadowEvents, PresenceEvents, PublishFailures)
            .Print();
        var worst = PerSecond.OrderByDescending(s => s.P99).FirstOrDefault();
        if (worst is not null)
        {
            Console.WriteLine($"\nworst second of the window (by send time): second {worst.Second}, p99 {worst.P99} ms, max {worst.Max} ms; "
                + $"seconds with p99 > {LatencyBenchmark.TargetP99Ms} ms: {PerSecond.Count(s => s.P99 > LatencyBenchmark.TargetP99Ms)} of {PerSecond.Count}");
        }

        if (FirstUnmatchedEvent is not null)
        {
            Console.WriteLine($"\nfirst event that matched no sent message: {FirstUnmatchedEvent}");
        }

        Console.WriteLine($"\ntargets p50 <= {LatencyBenchmark.TargetP50Ms} ms, p99 <= {LatencyBenchmark.TargetP99Ms} ms, nothing lost: {(TargetsMet ? "yes" : "no")}; "
            + $"no event of an unsubscribed device: {(Foreign == 0 ? "yes" : "no")}");
    }
}

/// <summary>Latencies of the messages published in one second of the window: shows warm-up and periodic stalls.</summary>
public sealed record SecondOfWindow(int Second, int Count, double P50, double P99, double Max)
{
    public static List<SecondOfWindow> Split(IEnumerable<TimedLatency> latencies, long windowStart) =>
        [.. latencies
            .GroupBy(l => (int)Stopwatch.GetElapsedTime(windowStart, l.SentAt).TotalSeconds)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var second = Percentiles.From([.. g.Select(l => l.Milliseconds)]);
                return new SecondOfWindow(g.Key, (int)second.Count, second.P50, second.P99, second.Max);
            })];
}
