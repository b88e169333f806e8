using IotAspire.Bench.Reporting;

namespace IotAspire.Bench.Ingest;

/// <summary>The ingest run's tables on the console and its JSON document.</summary>
public sealed class IngestReport(IngestSettings settings, BrokerOnlyResult brokerOnly, WholeStackResult wholeStack)
{
    private const double TargetPointsPerSecond = 100_000;
    private const double TargetRatio = 0.70;
    private const double TargetWorkerRssMegabytes = 300;

    private double CommittedMessagesPerSecond => wholeStack.Window.ObservedPerSecond / settings.Values;
    private double CommittedPointsPerSecond => wholeStack.Window.ObservedPerSecond;
    private double Ceiling => brokerOnly.Window.ObservedPerSecond;
    private double Ratio => CommittedMessagesPerSecond / Ceiling;
    private double EndToEndPointsPerSecond => wholeStack.Verification.RowsStored / wholeStack.EndToEndSeconds;
    private double WorkerPeakRssMegabytes => wholeStack.WorkerPeakRssBytes / 1048576.0;
    private double WorkerCpuPercent => wholeStack.CpuPercent.GetValueOrDefault("deviceworker");

    public void Print()
    {
        new ConsoleTable($"Throughput ({settings.Devices} devices x {settings.Values} values, QoS {settings.Qos}; rates over the measured window after warm-up)",
                "run", "window s", "published msg/s", "delivered/committed msg/s", "data points/s", "vs ceiling")
            .Add("(a) broker only", brokerOnly.Window.Seconds, brokerOnly.Window.PublishedPerSecond, Ceiling, Ceiling * settings.Values, "100%")
            .Add("(b) whole stack", wholeStack.Window.Seconds, wholeStack.Window.PublishedPerSecond, CommittedMessagesPerSecond, CommittedPointsPerSecond,
                $"{Ratio:P0}")
            .Add("(b) end to end", wholeStack.EndToEndSeconds, null, EndToEndPointsPerSecond / settings.Values, EndToEndPointsPerSecond, "")
            .Print();

        var v = wholeStack.Verification;
        new ConsoleTable("Verification (exact counts in PostgreSQL against each device's acknowledged messages)", "check", "value")
            .Add("(a) messages sent / received by the counter", $"{brokerOnly.Sent:N0} / {brokerOnly.Received:N0} (lost {brokerOnly.Lost:N0}, more than sent {brokerOnly.Extra:N0})")
            .Add("(b) messages sent (broker acknowledged)", v.MessagesSent)
            .Add("(b) messages stored", v.MessagesStored)
            .Add("(b) rows stored (= data points)", v.RowsStored)
            .Add(wholeStack.Drained ? "(b) messages lost / extra" : "(b) NOT DRAINED: messages not committed when the drain gave up / extra",
                $"{v.MessagesLost:N0} / {v.MessagesExtra:N0}")
            .Add("(b) last message's ack cut off by the stop, stored (ok)", v.UnacknowledgedAtStopButStored)
            .Add("(b) devices with a count mismatch / incomplete messages", $"{v.DevicesWithMismatch:N0} / {v.DevicesWithIncompleteMessages:N0}")
            .Add("(b) committed rows: statistics vs exact count", $"{wholeStack.CommittedRowsByStatistics:N0} vs {v.RowsStored:N0}")
            .Add("(b) duplicate (device, metric, ts) keys", v.DuplicateKeys)
            .Add("(b) dead letters", v.DeadLetters)
            .Add("(b) 1m buckets as read, sum(count) vs numeric rows", RollupText(v.Rollup1mCount, v.NumericRowsStored))
            .Add("(b) 1h buckets as read, sum(count) vs numeric rows", RollupText(v.Rollup1hCount, v.NumericRowsStored))
            .Add("(b) minutes the rollup job left pending > 30 s after closing", v.RollupMinutesBehind)
            .Add("(b) series whose latest value as read is not their newest point", v.SeriesWithStaleLatest)
            .Add("publish failures (a) / (b)", $"{brokerOnly.PublishFailures:N0} / {wholeStack.PublishFailures:N0}")
            .Add("(b) backlog drained after the publisher stopped", $"{wholeStack.DrainSeconds:F1} s{(wholeStack.Drained ? "" : " (gave up: still behind; see --drain-timeout)")}")
            .Print();

        var cpu = new ConsoleTable("CPU over the measured window, % of one core (2 cores = 200%)", "process tree", "(a) broker only", "(b) whole stack");
        foreach (var part in wholeStack.CpuPercent.Keys)
        {
            cpu.Add(part, brokerOnly.CpuPercent.GetValueOrDefault(part), wholeStack.CpuPercent[part]);
        }

        cpu.Print();

        new ConsoleTable("Targets", "target", "goal", "measured", "met")
            .Add("data points/s committed, sustained", ">= 100,000", CommittedPointsPerSecond, Met(CommittedPointsPerSecond >= TargetPointsPerSecond))
            .Add("zero loss, zero duplicates", "0 / 0",
                // Not drained: the backlog still waits in the broker; a count now would call it lost.
                wholeStack.Drained ? $"{v.MessagesLost + v.DevicesWithIncompleteMessages} / {v.MessagesExtra + v.DuplicateKeys}" : "not checked: not drained",
                wholeStack.Drained ? Met(v.NoLossNoDuplicates) : "-")
            .Add("ratio to the broker-only ceiling", ">= 70%", $"{Ratio:P0}", Met(Ratio >= TargetRatio))
            .Add("worker peak RSS (VmHWM)", "<= 300 MB", $"{WorkerPeakRssMegabytes:F0} MB", Met(WorkerPeakRssMegabytes <= TargetWorkerRssMegabytes))
            .Add("worker CPU (b)", "-", $"{WorkerCpuPercent:F0}% of one core", "")
            .Print();
    }

    public object ToJson() => new
    {
        brokerOnly = new
        {
            windowSeconds = brokerOnly.Window.Seconds,
            publishedPerSecond = Math.Round(brokerOnly.Window.PublishedPerSecond),
            receivedPerSecond = Math.Round(Ceiling),
            pointsPerSecond = Math.Round(Ceiling * settings.Values),
            sent = brokerOnly.Sent,
            received = brokerOnly.Received,
            lost = brokerOnly.Lost,
            extra = brokerOnly.Extra,
            publishFailures = brokerOnly.PublishFailures,
            cpuPercentOfOneCore = brokerOnly.CpuPercent,
            samples = Samples(brokerOnly.Window),
        },
        wholeStack = new
        {
            windowSeconds = wholeStack.Window.Seconds,
            publishedPerSecond = Math.Round(wholeStack.Window.PublishedPerSecond),
            committedMessagesPerSecond = Math.Round(CommittedMessagesPerSecond),
            committedPointsPerSecond = Math.Round(CommittedPointsPerSecond),
            ratioToBrokerOnly = Math.Round(Ratio, 3),
            endToEndSeconds = wholeStack.EndToEndSeconds,
            endToEndPointsPerSecond = Math.Round(EndToEndPointsPerSecond),
            drainSeconds = wholeStack.DrainSeconds,
            drained = wholeStack.Drained,
            publishFailures = wholeStack.PublishFailures,
            verification = wholeStack.Verification,
            noLossNoDuplicates = wholeStack.Verification.NoLossNoDuplicates,
            cpuPercentOfOneCore = wholeStack.CpuPercent,
            workerPeakRssMegabytes = Math.Round(WorkerPeakRssMegabytes, 1),
            workerMaxSampledRssMegabytes = Math.Round(wholeStack.WorkerMaxSampledRssBytes / 1048576.0, 1),
            samples = Samples(wholeStack.Window),
        },
        targets = new
        {
            pointsPerSecond = CommittedPointsPerSecond >= TargetPointsPerSecond,
            noLossNoDuplicates = wholeStack.Verification.NoLossNoDuplicates,
            ratio = Ratio >= TargetRatio,
            workerRss = WorkerPeakRssMegabytes <= TargetWorkerRssMegabytes,
        },
    };

    /// <summary>Compact per-second series: [seconds, published, observed].</summary>
    private static double[][] Samples(LoadWindow window) =>
        window.Samples.Select(s => new[] { s.Seconds, s.Published, (double)s.Observed }).ToArray();

    private static string RollupText(long rollup, long numeric) =>
        rollup == 0 ? $"not maintained (0 vs {numeric:N0})" : $"{rollup:N0} vs {numeric:N0}{(rollup == numeric ? " (equal)" : " (DIFFERENT)")}";

    private static string Met(bool met) => met ? "yes" : "NO";
}
