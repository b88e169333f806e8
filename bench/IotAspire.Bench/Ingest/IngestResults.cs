namespace IotAspire.Bench.Ingest;

public sealed record BrokerOnlyResult(
    LoadWindow Window, long Sent, long Received, long Lost, long Extra, long PublishFailures, double DrainSeconds,
    IReadOnlyDictionary<string, double> CpuPercent);

public sealed record WholeStackResult(
    LoadWindow Window, long Sent, long PublishFailures, double DrainSeconds, bool Drained, double EndToEndSeconds, long CommittedRowsByStatistics,
    Verification Verification, IReadOnlyDictionary<string, double> CpuPercent, int WorkerPid, long WorkerPeakRssBytes, long WorkerMaxSampledRssBytes);

/// <summary>Exact counts after the run, per device against what each device had acknowledged by the broker.</summary>
public sealed record Verification(
    long MessagesSent,
    long MessagesStored,
    long RowsStored,
    long NumericRowsStored,
    long MessagesLost,
    long MessagesExtra,
    long UnacknowledgedAtStopButStored,
    long DevicesWithIncompleteMessages,
    long DevicesWithMismatch,
    long DuplicateKeys,
    long DeadLetters,
    long Rollup1mCount,
    long Rollup1hCount,
    long RollupMinutesBehind,
    long SeriesWithStaleLatest)
{
    public bool Rollup1mMaintained => Rollup1mCount > 0;
    public bool Rollup1hMaintained => Rollup1hCount > 0;

    public bool NoLossNoDuplicates => MessagesLost == 0 && MessagesExtra == 0 && DevicesWithIncompleteMessages == 0 && DuplicateKeys == 0
        && SeriesWithStaleLatest == 0
        && (!Rollup1mMaintained || Rollup1mCount == NumericRowsStored) && (!Rollup1hMaintained || Rollup1hCount == NumericRowsStored);
}
