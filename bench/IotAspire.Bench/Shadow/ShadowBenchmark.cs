using System.Diagnostics;
using System.Globalization;
using System.Text;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Reporting;
using IotAspire.Core.Shadows;
using StackExchange.Redis;

namespace IotAspire.Bench.Shadow;

/// <summary>
/// Shadow updates/s through the real store (<see cref="RedisShadowStore"/>: read, <see cref="ShadowRules"/>, compare-and-set
/// in Lua, retried on a concurrent write), as the worker does for each device report: (a) many writers spread over many
/// devices; (b) many writers on one device, the worst case for the optimistic retry. Each update's parse + apply is timed.
/// Afterwards it checks that no update was lost: every device's version equals the updates accepted for it, and in (b)
/// every writer's field holds the last value it wrote.
/// </summary>
public static class ShadowBenchmark
{
    private const string ContendedDevice = "bench-shadow-hot";

    public static async Task<int> RunAsync(ShadowSettings settings, CancellationToken cancellationToken)
    {
        Console.WriteLine($"shadow: (a) {settings.Writers} writers over {settings.Devices} devices for {settings.Seconds} s; "
            + $"(b) {settings.ContentionWriters} writers on one device for {settings.ContentionSeconds} s (each after {settings.WarmupSeconds} s warm-up); "
            + $"Redis {(settings.Redis ?? $"of its own (appendonly {(settings.AppendOnly ? "yes, fsync everysec" : "no")})")}");

        await using var localRedis = settings.Redis is null ? await LocalRedis.StartAsync(settings.AppendOnly, cancellationToken) : null;
        var endpoint = settings.Redis ?? localRedis!.ConnectionString;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var store = new RedisShadowStore(redis, TimeProvider.System);
        var devices = Enumerable.Range(0, settings.Devices).Select(i => $"bench-shadow-{i + 1:D5}").ToArray();
        await DeleteAsync(store, [.. devices, ContendedDevice], cancellationToken);

        var redisPid = localRedis?.ProcessId ?? 0;
        var cpu = new CpuMeter(new Dictionary<string, Func<IReadOnlyList<int>>>(StringComparer.Ordinal)
        {
            ["bench (writers)"] = () => [Environment.ProcessId],
            ["redis-server"] = () => redisPid > 0 ? [redisPid] : [],
        });

        Console.WriteLine("\n(a) spread: random device per update");
        var spread = await RunPhaseAsync(store, settings.Writers, settings.WarmupSeconds, settings.Seconds,
            (_, random) => devices[random.Next(devices.Length)], contended: false, cpu, cancellationToken);
        var spreadCheck = await VerifySpreadAsync(store, devices, spread, cancellationToken);

        PhaseResult? contention = null;
        ContentionCheck? contentionCheck = null;
        if (settings.ContentionWriters > 0)
        {
            Console.WriteLine("\n(b) contention: every writer on the same device");
            contention = await RunPhaseAsync(store, settings.ContentionWriters, settings.WarmupSeconds, settings.ContentionSeconds,
                (_, _) => ContendedDevice, contended: true, cpu, cancellationToken);
            contentionCheck = await VerifyContentionAsync(store, contention, cancellationToken);
        }

        var report = new ShadowReport(settings, spread, spreadCheck, contention, contentionCheck);
        report.Print();
        var file = ResultFile.Write(settings.ResultsDirectory, "shadow", settings, report);
        Console.WriteLine($"\nwritten {file}");
        await DeleteAsync(store, [.. devices, ContendedDevice], cancellationToken);
        return report.TargetMet && report.NoLostUpdates ? 0 : 1;
    }

    private static async Task DeleteAsync(RedisShadowStore store, IEnumerable<string> devices, CancellationToken cancellationToken)
    {
        foreach (var chunk in devices.Chunk(256))
        {
            await Task.WhenAll(chunk.Select(d => store.DeleteAsync(d, cancellationToken)));
        }
    }

    /// <summary>Writers loop until the end of warm-up + window; only updates that start inside the window are timed and counted.</summary>
    private static async Task<PhaseResult> RunPhaseAsync(
        RedisShadowStore store, int writers, int warmupSeconds, int seconds, Func<int, Random, string> pickDevice, bool contended, CpuMeter cpu,
        CancellationToken cancellationToken)
    {
        var measuring = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, writers)
            .Select(writer => Task.Run(() => WriteLoopAsync(store, writer, pickDevice, contended, () => Volatile.Read(ref measuring) == 1, stop.Token), CancellationToken.None))
            .ToArray();

        await Task.Delay(TimeSpan.FromSeconds(warmupSeconds), cancellationToken);
        cpu.Start();
        var window = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        for (var second = 1; second <= seconds; second++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var done = workers.Where(w => w.IsCompleted).Count();
            Console.Write($"\r  {second,3} s{(done > 0 ? $" ({done} writers stopped early)" : "")}");
        }

        Volatile.Write(ref measuring, 0);
        var windowSeconds = window.Elapsed.TotalSeconds;
        var cpuUse = cpu.Stop();
        Console.WriteLine();
        await stop.CancelAsync();
        var outcomes = await Task.WhenAll(workers);

        var latencies = new List<double>(outcomes.Sum(o => o.Latencies.Count));
        foreach (var outcome in outcomes)
        {
            latencies.AddRange(outcome.Latencies);
        }

        var accepted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (device, count) in outcomes.SelectMany(o => o.AcceptedPerDevice))
        {
            accepted[device] = accepted.GetValueOrDefault(device) + count;
        }

        var measured = latencies.Count;
        return new PhaseResult(
            Writers: writers,
            WindowSeconds: Math.Round(windowSeconds, 2),
            UpdatesInWindow: measured,
            UpdatesPerSecond: Math.Round(measured / windowSeconds, 0),
            LatencyMs: Percentiles.From(latencies),
            GaveUp: outcomes.Sum(o => o.GaveUp),
            Errors: outcomes.Sum(o => o.Errors),
            FirstError: outcomes.Select(o => o.FirstError).FirstOrDefault(e => e is not null),
            CpuPercent: cpuUse)
        {
            AcceptedPerDevice = accepted,
            LastValuePerWriter = outcomes.Select(o => o.LastSequence).ToArray(),
        };
    }

    private static async Task<WriterOutcome> WriteLoopAsync(
        RedisShadowStore store, int writer, Func<int, Random, string> pickDevice, bool contended, Func<bool> measuring, CancellationToken stop)
    {
        var random = new Random(writer);
        var outcome = new WriterOutcome();
        var field = $"w{writer}";
        for (long sequence = 1; !stop.IsCancellationRequested; sequence++)
        {
            var device = pickDevice(writer, random);
            // What a device's report looks like: a few small fields. Under contention each writer has its own field, so the
            // check can tell that no write was overwritten by an older state.
            var counter = contended ? field : "counter";
            var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $$$"""{"state":{"reported":{"{{{counter}}}":{{{sequence}}},"temperature":{{{20 + (random.NextDouble() * 5):F2}}},"led":"{{{(sequence % 2 == 0 ? "on" : "off")}}}"}},"clientToken":"{{{field}}}-{{{sequence}}}"}"""));
            var timed = measuring();
            var start = Stopwatch.GetTimestamp();
            try
            {
                var update = ShadowRules.ParseUpdate(payload, ShadowWriter.Device).Update!;
                var result = await store.UpdateAsync(device, update, stop);
                if (result.Error is not null)
                {
                    outcome.Fail($"rejected: {result.Error.Code} {result.Error.Message}");
                    continue;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The store checks the token only before an attempt and while backing off after a lost race: nothing was written.
                break;
            }
            catch (InvalidOperationException ex)
            {
                // The store gave up after its retries: the update was not applied.
                outcome.GiveUp(ex.Message);
                continue;
            }
            catch (RedisException ex)
            {
                outcome.Fail(ex.Message);
                continue;
            }

            if (timed)
            {
                outcome.Latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            outcome.AcceptedPerDevice[device] = outcome.AcceptedPerDevice.GetValueOrDefault(device) + 1;
            outcome.LastSequence = sequence;
        }

        return outcome;
    }

    private static async Task<SpreadCheck> VerifySpreadAsync(
        RedisShadowStore store, string[] devices, PhaseResult phase, CancellationToken cancellationToken)
    {
        long stored = 0, mismatched = 0;
        foreach (var device in devices)
        {
            var state = await store.GetAsync(device, cancellationToken);
            var version = state?.Version ?? 0;
            stored += version;
            // Exact: the stop cancels an update only before it writes, so every stored version was acknowledged and vice versa.
            mismatched += version == phase.AcceptedPerDevice.GetValueOrDefault(device) ? 0 : 1;
        }

        return new SpreadCheck(phase.AcceptedPerDevice.Values.Sum(), stored, mismatched);
    }

    private static async Task<ContentionCheck> VerifyContentionAsync(RedisShadowStore store, PhaseResult phase, CancellationToken cancellationToken)
    {
        var state = await store.GetAsync(ContendedDevice, cancellationToken);
        var accepted = phase.AcceptedPerDevice.GetValueOrDefault(ContendedDevice);
        var wrongFields = 0;
        for (var writer = 0; writer < phase.Writers; writer++)
        {
            // Each writer's field holds the last value the store acknowledged to it: no write overwrote a newer state.
            var value = state?.Reported?[$"w{writer}"]?.GetValue<long>() ?? 0;
            wrongFields += value == phase.LastValuePerWriter[writer] ? 0 : 1;
        }

        return new ContentionCheck(accepted, state?.Version ?? 0, wrongFields);
    }

    private sealed class WriterOutcome
    {
        public List<double> Latencies { get; } = new(200_000);
        public Dictionary<string, long> AcceptedPerDevice { get; } = new(StringComparer.Ordinal);
        public long LastSequence { get; set; }
        public long GaveUp { get; private set; }
        public long Errors { get; private set; }
        public string? FirstError { get; private set; }

        public void GiveUp(string message)
        {
            GaveUp++;
            FirstError ??= message;
        }

        public void Fail(string message)
        {
            Errors++;
            FirstError ??= message;
        }
    }
}

public sealed record PhaseResult(
    int Writers, double WindowSeconds, long UpdatesInWindow, double UpdatesPerSecond, Percentiles LatencyMs, long GaveUp, long Errors, string? FirstError,
    IReadOnlyDictionary<string, double> CpuPercent)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, long> AcceptedPerDevice { get; init; } = new Dictionary<string, long>();

    [System.Text.Json.Serialization.JsonIgnore]
    public long[] LastValuePerWriter { get; init; } = [];
}

/// <summary>Sum of stored versions against updates the store acknowledged (warm-up included), over all devices.</summary>
public sealed record SpreadCheck(long Acknowledged, long SumOfVersions, long DevicesWithMismatch)
{
    public bool NoLostUpdates => DevicesWithMismatch == 0 && SumOfVersions == Acknowledged;
}

public sealed record ContentionCheck(long Acknowledged, long FinalVersion, long WritersWithWrongLastValue)
{
    public bool NoLostUpdates => WritersWithWrongLastValue == 0 && FinalVersion == Acknowledged;
}
