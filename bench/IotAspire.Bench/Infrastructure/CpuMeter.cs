using System.Diagnostics;

namespace IotAspire.Bench.Infrastructure;

/// <summary>
/// CPU used by each part of the system between <see cref="Start"/> and <see cref="Stop"/>, in % of one core,
/// from the process trees' utime+stime (processes that end in between are not counted).
/// </summary>
public sealed class CpuMeter(IReadOnlyDictionary<string, Func<IReadOnlyList<int>>> parts)
{
    private Dictionary<string, long> _start = [];
    private (long Busy, long Total) _machineStart;
    private readonly Stopwatch _clock = new();

    public void Start()
    {
        _start = Snapshot();
        _machineStart = LinuxProcesses.MachineTicks();
        _clock.Restart();
    }

    /// <summary>% of one core per part, plus "machine" (all cores busy = 100% × cores).</summary>
    public IReadOnlyDictionary<string, double> Stop()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var end = Snapshot();
        var machine = LinuxProcesses.MachineTicks();
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, ticks) in end)
        {
            result[name] = Math.Round(100 * (ticks - _start.GetValueOrDefault(name)) / LinuxProcesses.TicksPerSecond / seconds, 1);
        }

        var busyShare = (double)(machine.Busy - _machineStart.Busy) / Math.Max(1, machine.Total - _machineStart.Total);
        result["machine"] = Math.Round(100 * busyShare * Environment.ProcessorCount, 1);
        return result;
    }

    private Dictionary<string, long> Snapshot() =>
        parts.ToDictionary(part => part.Key, part => LinuxProcesses.CpuTicks(part.Value()), StringComparer.Ordinal);
}
