using System.Diagnostics;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Reporting;
using IotAspire.Core;
using IotAspire.Testing;
using Microsoft.Extensions.Logging;

namespace IotAspire.Bench.Ingest;

/// <summary>
/// (a) broker-only ceiling: the load to a subscriber that only counts, with the worker not running (it never
/// connected, so the broker keeps no session for it that would queue this load); (b) the same load through the
/// whole stack, rows committed in PostgreSQL, verified per device; (c) the worker's peak RSS and CPU.
/// The Dashboard and the Archiver are not started: they are not on the ingest path and would only take CPU.
/// </summary>
public static class IngestBenchmark
{
    /// <summary>Every simulated message carries this metric first, so its rows count the messages.</summary>
    private const string EveryMessageMetric = "temperature";

    public static async Task<int> RunAsync(IngestSettings settings, CancellationToken cancellationToken)
    {
        Console.WriteLine($"ingest: {settings.Devices} devices x {settings.Values} values, QoS {settings.Qos}, "
            + $"rate {(settings.Rate > 0 ? settings.Rate + " msg/s" : "as fast as possible")}, {settings.BrokerSeconds} s broker-only + {settings.Seconds} s whole stack "
            + $"(each after {settings.WarmupSeconds} s warm-up)");
        var total = Stopwatch.StartNew();
        await using var stack = await BenchStack.StartAsync("ingest",
            [ResourceNames.DeviceWorker, ResourceNames.Archiver, ResourceNames.Dashboard], dataRoot: null, cancellationToken,
            settings.WorkerSettings);
        Console.WriteLine($"stack up in {total.Elapsed.TotalSeconds:F1} s (logs: {stack.LogFile})");

        using var loggers = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddProvider(new FileLoggerProvider(Path.ChangeExtension(stack.LogFile, ".publisher.log"))));
        var registering = Stopwatch.StartNew();
        using var publisher = await LoadPublisher.RegisterAsync(stack.Tokens.ServiceClientFor(stack.ApiAddress), settings, stack.Broker, loggers, cancellationToken);
        Console.WriteLine($"registered {settings.Devices} devices through the Api in {registering.Elapsed.TotalSeconds:F1} s");

        var cpuParts = CpuParts(stack);
        var brokerOnly = await BrokerOnlyAsync(stack, publisher, settings, new CpuMeter(cpuParts), cancellationToken);
        var wholeStack = await WholeStackAsync(stack, publisher, settings, new CpuMeter(cpuParts), cancellationToken);

        var report = new IngestReport(settings, brokerOnly, wholeStack);
        report.Print();
        var file = ResultFile.Write(settings.ResultsDirectory, "ingest", settings, report.ToJson());
        Console.WriteLine($"\nwritten {file} (total {total.Elapsed.TotalMinutes:F1} min)");
        return 0;
    }

    private static Dictionary<string, Func<IReadOnlyList<int>>> CpuParts(BenchStack stack)
    {
        IReadOnlyList<int> Tree(string resource)
        {
            var pid = stack.ResourcePid(resource);
            return pid > 0 ? LinuxProcesses.WithDescendants(pid) : [];
        }

        return new Dictionary<string, Func<IReadOnlyList<int>>>(StringComparer.Ordinal)
        {
            ["deviceworker"] = () => Tree(ResourceNames.DeviceWorker),
            ["mosquitto"] = () => Tree(ResourceNames.Mqtt),
            ["postgres"] = () => Tree("postgres"),
            ["redis"] = () => Tree(ResourceNames.Redis),
            ["api"] = () => Tree(ResourceNames.ApiReplica(1)),
            ["gateway"] = () => Tree(ResourceNames.Gateway),
            ["bench (publisher+counter)"] = () => [Environment.ProcessId],
        };
    }

    private static async Task<BrokerOnlyResult> BrokerOnlyAsync(
        BenchStack stack, LoadPublisher publisher, IngestSettings settings, CpuMeter cpu, CancellationToken cancellationToken)
    {
        Console.WriteLine("\n(a) broker only: publisher -> mosquitto -> counting subscriber (worker not running)");
        await using var counter = await CountingSubscriber.ConnectAsync(stack.Broker, stack.WorkerUser, stack.WorkerPassword, settings.Qos, cancellationToken);
        var failedBefore = publisher.Diagnostics.Failed;
        var run = publisher.Start();
        LoadWindow window;
        IReadOnlyDictionary<string, double> cpuUse;
        try
        {
            window = await LoadWindow.MeasureAsync(run, settings.Devices, _ => Task.FromResult(counter.Received),
                settings.WarmupSeconds, settings.BrokerSeconds, "(a)", cpu.Start, cancellationToken);
            cpuUse = cpu.Stop();
        }
        catch
        {
            // An error or Ctrl+C: the devices must still disconnect; the error is what the caller sees.
            await run.StopAsync();
            throw;
        }

        var sent = await run.StopAsync();
        var totalSent = sent.Values.Sum();
        var drain = await LoadWindow.DrainAsync(_ => Task.FromResult(counter.Received), totalSent,
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), cancellationToken);
        var received = counter.PerDevice;
        var lost = sent.Sum(d => Math.Max(0, d.Value - received.GetValueOrDefault(d.Key)));
        var extra = sent.Sum(d => Math.Max(0, received.GetValueOrDefault(d.Key) - d.Value));
        return new BrokerOnlyResult(window, totalSent, counter.Received, lost, extra, publisher.Diagnostics.Failed - failedBefore, drain.Seconds, cpuUse);
    }

    private static async Task<WholeStackResult> WholeStackAsync(
        BenchStack stack, LoadPublisher publisher, IngestSettings settings, CpuMeter cpu, CancellationToken cancellationToken)
    {
        Console.WriteLine("\n(b) whole stack: publisher -> mosquitto -> deviceworker -> postgres (rows counted as committed)");
        var starting = Stopwatch.StartNew();
        await stack.StartResourceAsync(ResourceNames.DeviceWorker, cancellationToken);
        var launcher = stack.ResourcePid(ResourceNames.DeviceWorker);
        var workerPid = LinuxProcesses.FindService(launcher, "IotAspire.DeviceWorker");
        Console.WriteLine($"  deviceworker healthy in {starting.Elapsed.TotalSeconds:F1} s: launcher pid {launcher}, worker pid {workerPid} ({LinuxProcesses.CommandLine(workerPid)})");

        await using var probe = new CommitProbe(stack.DatabaseConnectionString);
        var baseline = await probe.InsertedRowsAsync(cancellationToken);
        var failedBefore = publisher.Diagnostics.Failed;
        long maxRss = 0;
        async Task<long> ObserveAsync(CancellationToken ct)
        {
            maxRss = Math.Max(maxRss, LinuxProcesses.StatusBytes(workerPid, "VmRSS"));
            return await probe.InsertedRowsAsync(ct) - baseline;
        }

        var run = publisher.Start();
        var publishing = Stopwatch.StartNew();
        LoadWindow window;
        IReadOnlyDictionary<string, double> cpuUse;
        try
        {
            window = await LoadWindow.MeasureAsync(run, settings.Devices, ObserveAsync, settings.WarmupSeconds, settings.Seconds, "(b)",
                cpu.Start, cancellationToken);
            cpuUse = cpu.Stop();
        }
        catch
        {
            // An error or Ctrl+C: the devices must still disconnect; the error is what the caller sees.
            await run.StopAsync();
            throw;
        }

        var sent = await run.StopAsync();
        var publishSeconds = publishing.Elapsed.TotalSeconds;
        var totalSent = sent.Values.Sum();
        var expectedRows = totalSent * settings.Values;
        Console.WriteLine($"  publisher stopped: {totalSent:N0} messages sent; waiting for the worker to commit {expectedRows:N0} rows");
        var drainClock = Stopwatch.StartNew();
        var drain = await LoadWindow.DrainAsync(ObserveAsync, expectedRows,
            TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(settings.DrainTimeoutSeconds), cancellationToken);
        var endToEndSeconds = publishSeconds + drain.Seconds;
        var peakRss = LinuxProcesses.StatusBytes(workerPid, "VmHWM");
        maxRss = Math.Max(maxRss, LinuxProcesses.StatusBytes(workerPid, "VmRSS"));

        Console.WriteLine("  verifying per device (exact counts)...");
        var verifying = Stopwatch.StartNew();
        var verification = await VerifyAsync(probe, settings, sent, cancellationToken);
        Console.WriteLine($"  verified in {verifying.Elapsed.TotalSeconds:F1} s");
        return new WholeStackResult(window, totalSent, publisher.Diagnostics.Failed - failedBefore, drain.Seconds, drain.Reached, endToEndSeconds,
            drain.Observed, verification, cpuUse, workerPid, peakRss, maxRss);
    }

    private static async Task<Verification> VerifyAsync(CommitProbe probe, IngestSettings settings, IReadOnlyDictionary<string, long> sent, CancellationToken cancellationToken)
    {
        var totals = await probe.CountStoredAsync(settings.IdPrefix, EveryMessageMetric, cancellationToken);
        var stored = totals.PerDevice;
        long lost = 0, extra = 0, cutOffByStop = 0, incomplete = 0, mismatchedDevices = 0;
        foreach (var (device, count) in sent)
        {
            var have = stored.GetValueOrDefault(device) ?? new StoredCounts(0, 0, 0);
            lost += Math.Max(0, count - have.Messages);
            // A device publishes one QoS 1 message at a time; the stop can cut off the acknowledgement of the last
            // one, which the broker may still have taken and delivered: stored, but never counted as sent. Fine.
            var more = have.Messages - count;
            cutOffByStop += more == 1 ? 1 : 0;
            extra += more > 1 ? more : 0;
            incomplete += have.Rows != have.Messages * settings.Values ? 1 : 0;
            mismatchedDevices += have.Messages < count || more > 1 ? 1 : 0;
        }

        var rows = stored.Values.Sum(s => s.Rows);
        var numericRows = stored.Values.Sum(s => s.NumericRows);
        var (duplicates, deadLetters, rollup1m, rollup1h) = (totals.DuplicateKeys, totals.DeadLetters, totals.Rollup1mCount, totals.Rollup1hCount);
        return new Verification(sent.Values.Sum(), stored.Values.Sum(s => s.Messages), rows, numericRows, lost, extra, cutOffByStop, incomplete,
            mismatchedDevices, duplicates, deadLetters, rollup1m, rollup1h, totals.RollupMinutesBehind, totals.SeriesWithStaleLatest);
    }

}
