using IotAspire.Core.Telemetry;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// What a batch changes besides its raw rows: the latest value per (device, metric), the minutes that hold its points
/// and the hours that hold its numeric points, which the batch marks pending for the rollup job. Sorted, so that concurrent writers lock
/// rows in the same order.
/// </summary>
public sealed class BatchSummary
{
    public SortedDictionary<(long Device, int Metric), (DateTimeOffset At, TelemetryValue Value)> Latest { get; } = [];

    public SortedSet<DateTimeOffset> Minutes { get; } = [];

    public SortedSet<DateTimeOffset> Hours { get; } = [];

    /// <param name="trackLatest">False for a series whose latest value is kept elsewhere: no work for it per point.</param>
    public void Add(long device, int metric, DateTimeOffset at, TelemetryValue value, bool trackLatest = true)
    {
        if (trackLatest && (!Latest.TryGetValue((device, metric), out var latest) || latest.At < at))
        {
            Latest[(device, metric)] = (at, value);
        }

        // Every minute: the job moves latest values to its last points. Hours only for numbers, the only values rolled up.
        Minutes.Add(RollupWidth.Minute.Floor(at));
        if (value.Kind == TelemetryValueKind.Number)
        {
            Hours.Add(RollupWidth.Hour.Floor(at));
        }
    }
}
