using System.Collections.Concurrent;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// The (device, metric) series this worker knows to have a <c>latest_values</c> row. Only a series seen for the first
/// time is written there by a batch; the rollup job keeps the rows recent (schema 0007). Forgetting costs one upsert
/// per series, so the set is simply emptied when it grows past its limit.
/// </summary>
public sealed class KnownSeries
{
    private const int MaxEntries = 1_000_000;
    private readonly ConcurrentDictionary<(long Device, int Metric), byte> _known = new();

    public bool Contains(long device, int metric) => _known.ContainsKey((device, metric));

    /// <summary>Call after the commit that wrote their rows.</summary>
    public void AddRange(IEnumerable<(long Device, int Metric)> series)
    {
        if (_known.Count > MaxEntries)
        {
            _known.Clear();
        }

        foreach (var key in series)
        {
            _known.TryAdd(key, 0);
        }
    }
}
