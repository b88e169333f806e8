using System.Diagnostics;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Reporting;
using IotAspire.Core;
using IotAspire.Testing;
using Microsoft.Extensions.Logging;

namespace IotAspire.Bench.Latency;

/// <summary>
/// Device -> SignalR latency through the whole stack: devices publish MQTT 5 telemetry at a steady total rate, the worker
/// stores it and appends an event to Redis, an Api replica relays it to the device's SignalR group, and a .NET SignalR
/// client subscribed to those devices stamps its arrival. Latency = arrival - just before the device's publish, over the
/// messages published in the window. A few other devices publish too, unsubscribed: their events must never arrive.
/// </summary>
public static class LatencyBenchmark
{
    public const double TargetP50Ms = 10;
    public const double TargetP99Ms = 50;

    public static async Task<int> RunAsync(LatencySettings settings, CancellationToken cancellationToken)
    {
        Console.WriteLine($"latency: {settings.Devices} devices at {settings.Rate:N0} msg/s in all ({settings.DevicePeriod.TotalMilliseconds:N0} ms each), QoS {settings.Qos}, "
            + $"{settings.WarmupSeconds} s warm-up + {settings.Seconds} s window; {settings.Others} unsubscribed devices publish as well");
        var total = Stopwatch.StartNew();
        await using var stack = await BenchStack.StartAsync("latency", [ResourceNames.Archiver, ResourceNames.Dashboard], dataRoot: null, cancellationToken,
            appHostArgs: ["Api:Replicas=2"]); // As deployed: the client goes through the gateway to one of two replicas.
        Console.WriteLine($"stack up in {total.Elapsed.TotalSeconds:F1} s (logs: {stack.LogFile})");

        using var loggers = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddProvider(new FileLoggerProvider(Path.ChangeExtension(stack.LogFile, ".publisher.log"))));
        var ledger = new SentLedger();
        using var api = stack.Tokens.ServiceClientFor(stack.ApiAddress);
        await using var publisher = await TelemetryPublisher.ConnectAsync(api, stack.Broker, settings, ledger, loggers, cancellationToken);
        await using var listener = await HubListener.ConnectAsync(stack.ApiAddress, stack.Tokens, ledger, cancellationToken);
        await listener.SubscribeAsync(publisher.SubscribedIds, cancellationToken);
        Console.WriteLine($"{settings.Devices + settings.Others} devices registered and connected, SignalR client subscribed to {settings.Devices} ({total.Elapsed.TotalSeconds:F1} s)");

        using var stopPublishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = publisher.RunAsync(stopPublishing.Token);
        double windowSeconds;
        long windowStart;
        try
        {
            await ProgressAsync(listener, settings.WarmupSeconds, "warm-up", cancellationToken);
            windowStart = Stopwatch.GetTimestamp();
            ledger.Measuring = true;
            var window = Stopwatch.StartNew();
            await ProgressAsync(listener, settings.Seconds, "window", cancellationToken);
            ledger.Measuring = false;
            windowSeconds = window.Elapsed.TotalSeconds;
        }
        finally
        {
            await stopPublishing.CancelAsync();
            await publishing;
        }

        // Let the last messages arrive; whatever has not arrived by then counts as lost.
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed < TimeSpan.FromSeconds(settings.DrainSeconds) && ledger.All.Any(m => m.Subscribed && !m.Received))
        {
            await Task.Delay(200, cancellationToken);
        }

        var report = LatencyReport.From(windowSeconds, windowStart, ledger, listener, publisher.Failed);
        report.Print();
        var file = ResultFile.Write(settings.ResultsDirectory, "latency", settings, report);
        Console.WriteLine($"\nwritten {file} (total {total.Elapsed.TotalMinutes:F1} min)");
        return report.TargetsMet && report.Foreign == 0 ? 0 : 1;
    }

    private static async Task ProgressAsync(HubListener listener, int seconds, string label, CancellationToken cancellationToken)
    {
        for (var second = 1; second <= seconds; second++)
        {
            var before = listener.Events;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            Console.Write($"\r  {label} {second,3} s: {listener.Events - before,6:N0} events/s, {listener.Matched:N0} matched");
        }

        Console.WriteLine();
    }
}
