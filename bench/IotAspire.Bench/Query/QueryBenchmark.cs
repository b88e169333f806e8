using System.Diagnostics;
using System.Globalization;
using System.Net;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Reporting;
using IotAspire.Core;
using Npgsql;

namespace IotAspire.Bench.Query;

/// <summary>
/// Loads >= 10 M points (dense devices at 1 Hz for the whole range among them) straight into PostgreSQL, then times
/// the Api's telemetry queries against a dense device, and the same questions asked of PostgreSQL directly.
/// </summary>
public static class QueryBenchmark
{
    private static readonly (string Name, double TargetP95)[] Targets =
    [
        ("raw 1 day, first page (10,000 points), 1 metric", 20),
        ("1h over 30 days, 1 metric", 10),
        ("1h over 30 days, 5 metrics in one call", 50),
    ];

    public static async Task<int> RunAsync(QuerySettings settings, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        // Only the database and the Api are needed: nothing else takes CPU from the load or the measurement.
        await using var stack = await BenchStack.StartAsync("query",
            [ResourceNames.DeviceWorker, ResourceNames.Archiver, ResourceNames.Dashboard], settings.DataRoot, cancellationToken);
        Console.WriteLine($"stack up in {total.Elapsed.TotalSeconds:F1} s (logs: {stack.LogFile})");

        var connection = new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { CommandTimeout = 0, MaxPoolSize = 10 };
        await using var dataSource = NpgsqlDataSource.Create(connection.ConnectionString);
        var (set, timings) = await new QueryDataLoader(dataSource).EnsureLoadedAsync(QueryDataSet.For(settings, DateTime.UtcNow), cancellationToken);
        var sizes = await SizesAsync(dataSource, cancellationToken);
        if (timings is not null)
        {
            Console.WriteLine($"loaded in {timings.TotalSeconds:F0} s (rows + rollups {timings.RowsAndRollupsSeconds:F0} s, vacuum/analyze {timings.VacuumAnalyzeSeconds:F0} s)");
        }

        var device = QueryDataSet.DenseId(0);
        var rawDay = set.From.AddDays(set.Days / 2);
        var metric = QueryDataSet.Metrics[0];
        var urls = new[]
        {
            Url(settings.RawUrl, device, [metric], rawDay, rawDay.AddDays(1), 10_000),
            Url(settings.HourlyUrl, device, [metric], set.From, set.To, 10_000),
            Url(settings.Hourly5Url, device, QueryDataSet.Metrics, set.From, set.To, 10_000),
        };

        // The token is cached and renewed by the handler: what is timed is the Api, not the identity provider.
        using var http = stack.Tokens.ServiceClientFor(
            stack.ApiAddress,
            new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
        http.Timeout = TimeSpan.FromSeconds(60);
        await WarmUpAsync(http, urls, settings.WarmupSeconds, cancellationToken);
        var api = new List<LatencyResult>();
        for (var i = 0; i < urls.Length; i++)
        {
            Console.WriteLine($"timing {Targets[i].Name}: GET {urls[i]}");
            api.Add(await LatencyProbe.MeasureHttpAsync(http, Targets[i].Name, urls[i], settings.WarmupRequests, settings.Requests, cancellationToken));
        }

        var sql = await DirectSqlAsync(dataSource, set, device, rawDay, settings, cancellationToken);
        var plans = await PlansAsync(dataSource, set, device, rawDay, cancellationToken);

        Print(set, timings, sizes, api, sql);
        var file = ResultFile.Write(settings.ResultsDirectory, "query", settings, new
        {
            dataSet = new { set.DenseDevices, set.SparseDevices, set.Days, set.SparseIntervalSeconds, set.From, set.To, rows = set.ExpectedRows, set.DensePointsPerMetric },
            load = timings,
            sizes,
            api = api.Select((r, i) => new { r.Name, r.Url, r.Status, r.Requests, r.P50, r.P95, r.P99, r.Max, r.Mean, r.ResponseBytes, r.Shape, r.Error,
                targetP95 = Targets[i].TargetP95, met = r.Status == 200 && r.P95 <= Targets[i].TargetP95 }),
            directSql = sql,
            plans,
        });
        Console.WriteLine($"\nwritten {file} (total {total.Elapsed.TotalMinutes:F1} min)");
        return 0;
    }

    private static string Url(string template, string device, IReadOnlyList<string> metrics, DateTime from, DateTime to, int limit) => template
        .Replace("{id}", Uri.EscapeDataString(device), StringComparison.Ordinal)
        .Replace("{metrics}", string.Join("&", metrics.Select(m => "metric=" + Uri.EscapeDataString(m))), StringComparison.Ordinal)
        .Replace("{metric}", Uri.EscapeDataString(metrics[0]), StringComparison.Ordinal)
        .Replace("{from}", Uri.EscapeDataString(from.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)), StringComparison.Ordinal)
        .Replace("{to}", Uri.EscapeDataString(to.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)), StringComparison.Ordinal)
        .Replace("{limit}", limit.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private const string RawSql = """
        SELECT t.ts, t.num_value, t.bool_value, t.text_value FROM telemetry t
        WHERE t.device_key = (SELECT key FROM devices WHERE device_id = $1) AND t.metric_id = (SELECT id FROM metrics WHERE name = $2)
          AND t.ts >= $3 AND t.ts < $4 ORDER BY t.ts LIMIT 10001
        """;

    private const string HourlySql = """
        SELECT r.metric_id, r.bucket, r.min_value, r.max_value, r.sum_value, r.count FROM telemetry_1h r
        WHERE r.device_key = (SELECT key FROM devices WHERE device_id = $1) AND r.metric_id IN (SELECT id FROM metrics WHERE name = ANY($2))
          AND r.bucket >= $3 AND r.bucket < $4 ORDER BY r.metric_id, r.bucket
        """;

    /// <summary>The database's share: the same reads through Npgsql, without the Api, JSON or HTTP.</summary>
    private static async Task<List<LatencyResult>> DirectSqlAsync(NpgsqlDataSource dataSource, QueryDataSet set, string device, DateTime rawDay, QuerySettings settings,
        CancellationToken cancellationToken) =>
    [
        await LatencyProbe.MeasureSqlAsync(dataSource, "SQL raw 1 day first page", RawSql, [device, QueryDataSet.Metrics[0], rawDay, rawDay.AddDays(1)],
            settings.WarmupRequests, settings.Requests, cancellationToken),
        await LatencyProbe.MeasureSqlAsync(dataSource, "SQL 1h rollup 30 days, 1 metric", HourlySql, [device, QueryDataSet.Metrics[..1], set.From, set.To],
            settings.WarmupRequests, settings.Requests, cancellationToken),
        await LatencyProbe.MeasureSqlAsync(dataSource, "SQL 1h rollup 30 days, 5 metrics", HourlySql, [device, QueryDataSet.Metrics, set.From, set.To],
            settings.WarmupRequests, settings.Requests, cancellationToken),
    ];

    private static async Task<Dictionary<string, string>> PlansAsync(NpgsqlDataSource dataSource, QueryDataSet set, string device, DateTime rawDay, CancellationToken cancellationToken)
    {
        var plans = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, sql, parameters) in new (string, string, object[])[]
        {
            ("raw", RawSql, [device, QueryDataSet.Metrics[0], rawDay, rawDay.AddDays(1)]),
            ("hourly5", HourlySql, [device, QueryDataSet.Metrics, set.From, set.To]),
        })
        {
            await using var command = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS, SUMMARY) " + sql);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter });
            }

            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lines.Add(reader.GetString(0));
            }

            plans[name] = string.Join("\n", lines);
        }

        return plans;
    }

    private static async Task<Dictionary<string, long>> SizesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("""
            SELECT p.relname, sum(pg_total_relation_size(c.oid))::bigint
            FROM pg_class p JOIN pg_inherits i ON i.inhparent = p.oid JOIN pg_class c ON c.oid = i.inhrelid
            WHERE p.relname IN ('telemetry', 'telemetry_1m', 'telemetry_1h') GROUP BY p.relname
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sizes[reader.GetString(0) + "Bytes"] = reader.GetInt64(1);
        }

        return sizes;
    }

    /// <summary>
    /// All the queries in turn for a while before any is timed: a freshly started Api keeps JIT-compiling (tier 1, PGO)
    /// for many seconds under load on two cores, and the first query timed would pay for it (measured: twice the p50).
    /// </summary>
    private static async Task WarmUpAsync(HttpClient http, string[] urls, int seconds, CancellationToken cancellationToken)
    {
        Console.WriteLine($"warming up the Api with all queries for {seconds} s");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            foreach (var url in urls)
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken);
            }
        }
    }

    private static void Print(QueryDataSet set, LoadTimings? timings, Dictionary<string, long> sizes, List<LatencyResult> api, List<LatencyResult> sql)
    {
        new ConsoleTable($"Data set: {set.ExpectedRows:N0} raw points, {set.DenseDevices + set.SparseDevices:N0} devices, {set.Days} days "
                + $"({set.DenseDevices} dense at 1 Hz = {set.DensePointsPerMetric:N0} points per metric)", "item", "value")
            .Add("load: partitions + devices", timings is null ? "reused" : $"{timings.SetupSeconds:F1} s")
            .Add("load: raw rows + rollups (2 writers)", timings is null ? "reused" : $"{timings.RowsAndRollupsSeconds:F1} s ({set.ExpectedRows / timings.RowsAndRollupsSeconds:N0} rows/s)")
            .Add("load: vacuum + analyze", timings is null ? "reused" : $"{timings.VacuumAnalyzeSeconds:F1} s")
            .Add("load: total", timings is null ? "reused" : $"{timings.TotalSeconds:F1} s")
            .Add("size telemetry / 1m / 1h", string.Join(" / ", new[] { "telemetry", "telemetry_1m", "telemetry_1h" }
                .Select(t => $"{sizes.GetValueOrDefault(t + "Bytes") / 1048576.0:N0} MB")))
            .Print();

        var table = new ConsoleTable("Latency against the dense device (ms; sequential requests after warm-up)",
            "query", "requests", "p50", "p95", "p99", "max", "target p95", "met", "answer");
        for (var i = 0; i < api.Count; i++)
        {
            var r = api[i];
            table.Add(r.Name, r.Requests, r.P50, r.P95, r.P99, r.Max, $"<= {Targets[i].TargetP95:F0}",
                r.Status != 200 ? $"HTTP {r.Status}" : r.P95 <= Targets[i].TargetP95 ? "yes" : "NO",
                r.Error ?? $"{r.Shape}, {r.ResponseBytes:N0} B");
        }

        foreach (var r in sql)
        {
            table.Add(r.Name, r.Requests, r.P50, r.P95, r.P99, r.Max, "", "", r.Shape);
        }

        table.Print();
    }
}
