using System.Diagnostics;
using Npgsql;

namespace IotAspire.Bench.Query;

/// <summary>
/// Loads the data set straight into PostgreSQL, one day partition at a time on two connections (two cores):
/// raw rows by INSERT ... SELECT from generate_series, in primary-key order so the index grows at its right edge;
/// then the 1-minute and 1-hour rollups of that day computed by SQL from its raw rows (buckets never cross a day);
/// then VACUUM ANALYZE, so the planner knows the data and autovacuum does not wake up during the measurement.
/// A kept data folder that already holds the same data set is reused (table bench_dataset records it).
/// </summary>
public sealed class QueryDataLoader(NpgsqlDataSource dataSource)
{
    private const int Writers = 2;

    public async Task<(QueryDataSet DataSet, LoadTimings? Timings)> EnsureLoadedAsync(QueryDataSet wanted, CancellationToken cancellationToken)
    {
        await ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS bench_dataset (
                name text PRIMARY KEY, dense int NOT NULL, sparse int NOT NULL, days int NOT NULL, sparse_interval int NOT NULL,
                range_from timestamptz NOT NULL, range_to timestamptz NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())
            """, cancellationToken);
        await using (var existing = dataSource.CreateCommand(
            "SELECT dense, sparse, days, sparse_interval, range_from, range_to FROM bench_dataset WHERE name = 'query'"))
        await using (var reader = await existing.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                var kept = new QueryDataSet(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3),
                    reader.GetDateTime(4), reader.GetDateTime(5));
                if (kept with { From = wanted.From, To = wanted.To } == wanted)
                {
                    Console.WriteLine($"reusing the data set loaded before ({kept.From:yyyy-MM-dd} .. {kept.To:yyyy-MM-dd})");
                    return (kept, null);
                }

                throw new InvalidOperationException("The kept data folder holds a different data set; use a fresh --data-root.");
            }
        }

        return (wanted, await LoadAsync(wanted, cancellationToken));
    }

    private async Task<LoadTimings> LoadAsync(QueryDataSet set, CancellationToken cancellationToken)
    {
        Console.WriteLine($"loading {set.ExpectedRows:N0} raw rows: {set.DenseDevices} dense device(s) at 1 s and {set.SparseDevices} sparse at "
            + $"{set.SparseIntervalSeconds} s, {QueryDataSet.Metrics.Length} metrics, {set.Days} days ({set.From:yyyy-MM-dd} .. {set.To:yyyy-MM-dd})");
        var clock = Stopwatch.StartNew();
        await ExecuteAsync($"""
            INSERT INTO metrics (name) SELECT unnest(ARRAY['{string.Join("','", QueryDataSet.Metrics)}']) ON CONFLICT (name) DO NOTHING;
            INSERT INTO devices (device_id, name)
            SELECT '{QueryDataSet.DensePrefix}' || lpad(i::text, 4, '0'), 'Bench dense ' || i FROM generate_series(1, {set.DenseDevices}) i
            UNION ALL
            SELECT '{QueryDataSet.SparsePrefix}' || lpad(i::text, 4, '0'), 'Bench sparse ' || i FROM generate_series(1, {set.SparseDevices}) i
            ON CONFLICT (device_id) DO NOTHING;
            """, cancellationToken);

        var days = Enumerable.Range(0, set.Days).Select(d => set.From.AddDays(d)).ToList();
        foreach (var day in days)
        {
            await ExecuteAsync($"""
                SELECT iot_ensure_partition('telemetry', 'day', '{day:O}'), iot_ensure_partition('telemetry_1m', 'month', '{day:O}'),
                       iot_ensure_partition('telemetry_1h', 'month', '{day:O}')
                """, cancellationToken);
        }

        var setup = clock.Elapsed;
        var loaded = 0;
        await Parallel.ForEachAsync(days, new ParallelOptions { MaxDegreeOfParallelism = Writers, CancellationToken = cancellationToken }, async (day, ct) =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await ExecuteAsync(connection, "SET synchronous_commit = off; SET work_mem = '256MB'", ct);
            await ExecuteAsync(connection, RawDaySql(set, day), ct);
            await ExecuteAsync(connection, RollupDaySql(day, "telemetry_1m", "1 minute"), ct);
            await ExecuteAsync(connection, RollupDaySql(day, "telemetry_1h", "1 hour"), ct);
            var done = Interlocked.Increment(ref loaded);
            if (done % 5 == 0 || done == days.Count)
            {
                Console.WriteLine($"  {done}/{days.Count} days loaded with rollups ({clock.Elapsed.TotalSeconds:F0} s)");
            }
        });
        var rows = clock.Elapsed;

        // VACUUM cannot run in a transaction block, and one partition per statement lets two run side by side.
        var partitions = days.Select(d => $"telemetry_p{d:yyyyMMdd}")
            .Concat(days.Select(d => $"telemetry_1m_p{d:yyyyMM}").Distinct())
            .Concat(days.Select(d => $"telemetry_1h_p{d:yyyyMM}").Distinct())
            .ToList();
        await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = Writers, CancellationToken = cancellationToken }, async (table, ct) =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await ExecuteAsync(connection, $"VACUUM (ANALYZE) {table}", ct);
        });
        await ExecuteAsync("ANALYZE telemetry; ANALYZE telemetry_1m; ANALYZE telemetry_1h; ANALYZE devices; ANALYZE metrics", cancellationToken);
        var vacuum = clock.Elapsed;

        await ExecuteAsync($"""
            INSERT INTO bench_dataset (name, dense, sparse, days, sparse_interval, range_from, range_to)
            VALUES ('query', {set.DenseDevices}, {set.SparseDevices}, {set.Days}, {set.SparseIntervalSeconds}, '{set.From:O}', '{set.To:O}')
            """, cancellationToken);
        return new LoadTimings(setup.TotalSeconds, (rows - setup).TotalSeconds, (vacuum - rows).TotalSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// One day of raw rows into its partition, ordered by (device, metric, ts). Values: a daily sine per metric plus a
    /// little per-device offset, so buckets differ and min/max/avg are checkable.
    /// </summary>
    private static string RawDaySql(QueryDataSet set, DateTime day)
    {
        var metricList = string.Join("','", QueryDataSet.Metrics);
        return $"""
            INSERT INTO telemetry_p{day:yyyyMMdd} (device_key, metric_id, ts, num_value)
            SELECT d.key, m.id, t.ts,
                   m.id * 10 + (d.key % 7) + 5 * sin(extract(epoch FROM t.ts) / 13750.987)
            FROM (SELECT key, device_id FROM devices WHERE device_id LIKE '{QueryDataSet.DensePrefix}%' OR device_id LIKE '{QueryDataSet.SparsePrefix}%') d
            CROSS JOIN LATERAL (SELECT id FROM metrics WHERE name IN ('{metricList}')) m
            CROSS JOIN LATERAL generate_series(
                timestamptz '{day:O}' + CASE WHEN d.device_id LIKE '{QueryDataSet.DensePrefix}%' THEN interval '0' ELSE (d.key % {set.SparseIntervalSeconds}) * interval '1 second' END,
                timestamptz '{day.AddDays(1):O}' - interval '1 microsecond',
                CASE WHEN d.device_id LIKE '{QueryDataSet.DensePrefix}%' THEN interval '1 second' ELSE {set.SparseIntervalSeconds} * interval '1 second' END) t(ts)
            ORDER BY d.key, m.id, t.ts
            """;
    }

    /// <summary>Rollups of one day's raw rows; 1-minute and 1-hour buckets never cross a UTC midnight.</summary>
    private static string RollupDaySql(DateTime day, string table, string width) => $"""
        INSERT INTO {table} (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
        SELECT device_key, metric_id, date_bin('{width}', ts, timestamptz 'epoch'), min(num_value), max(num_value), sum(num_value), count(*), min(ts), max(ts)
        FROM telemetry_p{day:yyyyMMdd}
        WHERE num_value IS NOT NULL
        GROUP BY 1, 2, 3
        ON CONFLICT DO NOTHING
        """;

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, sql, cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed record LoadTimings(double SetupSeconds, double RowsAndRollupsSeconds, double VacuumAnalyzeSeconds, double TotalSeconds);
