using Npgsql;

namespace IotAspire.Bench.Archive;

/// <summary>
/// Loads the bench's telemetry straight into PostgreSQL, one day partition at a time, in the worker's row shape: per
/// device, metrics 0..n-3 numbers (a slow wave plus noise, three decimals), times every --interval s plus up to 1 s of jitter, n-2 a boolean, n-1 a short string. Vacuumed and
/// analyzed afterwards, as a day is long before it closes.
/// </summary>
public sealed class ArchiveDataLoader(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<DateTime>> LoadAsync(ArchiveSettings settings, DateTime firstDay, CancellationToken cancellationToken)
    {
        await ExecuteAsync($"""
            INSERT INTO devices (device_id, name) SELECT 'bench-' || lpad(i::text, 6, '0'), 'archive bench' FROM generate_series(0, {settings.Devices - 1}) i
            ON CONFLICT (device_id) DO NOTHING;
            INSERT INTO metrics (name) SELECT 'bench.m' || lpad(i::text, 3, '0') FROM generate_series(0, {settings.Metrics - 1}) i
            ON CONFLICT (name) DO NOTHING;
            """, cancellationToken);

        var days = Enumerable.Range(0, settings.Days).Select(d => firstDay.AddDays(d)).ToList();
        var perDay = 86_400 / settings.IntervalSeconds;
        foreach (var day in days)
        {
            await ExecuteAsync($"SELECT iot_ensure_partition('telemetry', 'day', '{day:yyyy-MM-dd}Z')", cancellationToken);
            await ExecuteAsync($"""
                INSERT INTO telemetry (device_key, metric_id, ts, num_value, bool_value, text_value)
                SELECT d.key, m.id, timestamptz '{day:yyyy-MM-dd}Z' + s * interval '{settings.IntervalSeconds} seconds' + floor(random() * 1000) * interval '1 millisecond',
                       CASE WHEN m.n < {settings.Metrics - 2} THEN round((20 + 5 * sin(s / 500.0 + m.n) + (d.key % 7) + 2 * random() - 1)::numeric, 3)::float8 END,
                       CASE WHEN m.n = {settings.Metrics - 2} THEN (s / 97) % 2 = 0 END,
                       CASE WHEN m.n = {settings.Metrics - 1} THEN (ARRAY['idle', 'heating', 'cooling', 'fault'])[1 + (s / 301) % 4] END
                FROM (SELECT key FROM devices WHERE device_id LIKE 'bench-%') d
                CROSS JOIN (SELECT id, substr(name, 8)::int AS n FROM metrics WHERE name LIKE 'bench.m%') m
                CROSS JOIN generate_series(0, {perDay - 1}) s
                ORDER BY 1, 2, 3
                ON CONFLICT DO NOTHING
                """, cancellationToken);
            await ExecuteAsync($"VACUUM (ANALYZE) telemetry_p{day:yyyyMMdd}", cancellationToken);
        }

        return days;
    }

    /// <summary>pg_total_relation_size of each day's partition (heap, primary key, BRIN, TOAST).</summary>
    public async Task<long> PartitionBytesAsync(DateTime day, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT pg_total_relation_size('telemetry_p{day:yyyyMMdd}')");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
