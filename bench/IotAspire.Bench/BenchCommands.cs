using IotAspire.Bench.Archive;
using IotAspire.Bench.Dashboard;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Ingest;
using IotAspire.Bench.Latency;
using IotAspire.Bench.Query;
using IotAspire.Bench.Shadow;

namespace IotAspire.Bench;

/// <summary>The bench's commands. Each starts the stack itself, stops by itself and writes one JSON file under bench/results/.</summary>
public static class BenchCommands
{
    private const string Usage = """
        Usage: dotnet run -c Release --project bench/IotAspire.Bench -- <command> [options]

          ingest  --devices 1000 --values 10 --qos 1 --seconds 60 --rate 0 [--broker-seconds N] [--warmup 10]
                  (a) broker-only ceiling, (b) whole stack with verification, (c) worker RSS and CPU.
                  --rate 0 publishes as fast as possible; N paces all devices together at N messages/s.
          query   --dense 1 --sparse-devices 999 --days 30 [--requests 200] [--warmup 30] [--data-root DIR]
                  loads the data set straight into PostgreSQL, then times the Api's telemetry queries.
                  URL templates (placeholders {id} {metric} {metrics} {from} {to} {limit}):
                  --raw-url, --hourly-url, --hourly5-url
          shadow  --devices 1000 --writers 64 --seconds 20 [--contention-writers 64] [--contention-seconds 10] [--warmup 3]
                  [--redis host:port] [--no-aof]
                  shadow updates/s through RedisShadowStore against a redis-server of its own (AOF, fsync every second),
                  (a) spread over many devices, (b) every writer on one device; checks that no update was lost.
          latency --devices 100 --rate 1000 --seconds 30 [--warmup 5] [--qos 1] [--others 2]
                  device -> SignalR latency through the whole stack: MQTT 5 telemetry with a sequence number,
                  a SignalR .NET client subscribed to the devices on /hubs/devices; --others devices publish unsubscribed.

          archive --devices 100 --metrics 10 --days 3 --interval 30 [--query-rows 100000000] [--query-days 30] [--query-runs 5]
                  [--database CONNSTRING]
                  the Archiver process once over days loaded into a database of its own: rows/s, CPU per row, peak RSS,
                  Parquet bytes against the partitions, a DuckDB read-back of every row; then a DuckDB query for one
                  device and metric over a synthetic archive of --query-days days and --query-rows rows.
          dashboard --devices 10000 --days 30 [--repeats 10] [--live-seconds 60] [--live-rate 4] [--soak-minutes 0]
                  [--token-lifetime 00:05:00] [--simulator 3] [--screenshots DIR] [--data-root DIR] [--hold]
                  the dashboard in headless Chromium (Playwright, /usr/bin/chromium): fleet page over --devices registered
                  devices, the 30-day chart of a 1 Hz device, publish -> chart delay, optional soak across token renewals.
                  --hold keeps the stack up and prints the dashboard's address and users instead.

        Common: --results DIR (default bench/results), --keep-logs.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C: stop the run cleanly (the stack is torn down); a second one kills the process.
            e.Cancel = !stop.IsCancellationRequested;
            stop.Cancel();
        };

        try
        {
            var options = BenchArguments.Parse(args.Skip(1));
            return args[0] switch
            {
                "ingest" => await IngestBenchmark.RunAsync(IngestSettings.From(options), stop.Token),
                "query" => await QueryBenchmark.RunAsync(QuerySettings.From(options), stop.Token),
                "shadow" => await ShadowBenchmark.RunAsync(ShadowSettings.From(options), stop.Token),
                "latency" => await LatencyBenchmark.RunAsync(LatencySettings.From(options), stop.Token),
                "archive" => await ArchiveBenchmark.RunAsync(ArchiveSettings.From(options), stop.Token),
                "dashboard" => await DashboardBenchmark.RunAsync(DashboardSettings.From(options), stop.Token),
                _ => Fail($"Unknown command '{args[0]}'.\n{Usage}"),
            };
        }
        catch (ArgumentException ex)
        {
            return Fail($"{ex.Message}\n{Usage}");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return Fail("Cancelled.");
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
