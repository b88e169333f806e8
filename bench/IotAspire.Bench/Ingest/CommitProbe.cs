using System.Data;
using Npgsql;

namespace IotAspire.Bench.Ingest;

/// <summary>What PostgreSQL committed: a cheap running count while loading, and the exact check afterwards.</summary>
public sealed class CommitProbe(string connectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    /// <summary>
    /// Rows inserted into the raw day partitions so far, from the statistics (no scan: a count(*) over millions of rows
    /// would take CPU from the run it measures). Backends report at most about once a second.
    /// </summary>
    public async Task<long> InsertedRowsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            @"SELECT coalesce(sum(n_tup_ins), 0)::bigint FROM pg_stat_user_tables WHERE relname ~ '^telemetry_p[0-9]{8}$'");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The exact check after a run, in one repeatable-read snapshot: raw and rollup counts taken at different moments
    /// would disagree whenever a late message (one whose acknowledgement the stop cut off) commits between them.
    /// </summary>
    public async Task<StoredTotals> CountStoredAsync(string idPrefix, string everyMessageMetric, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var perDevice = new Dictionary<string, StoredCounts>(StringComparer.Ordinal);
        await using (var command = Command(connection, snapshot, idPrefix, """
            SELECT d.device_id, count(*), count(*) FILTER (WHERE t.metric_id = m.id), count(t.num_value)
            FROM telemetry t
            JOIN devices d ON d.key = t.device_key
            LEFT JOIN metrics m ON m.name = $2
            WHERE d.device_id LIKE $1
            GROUP BY d.device_id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = everyMessageMetric });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                perDevice[reader.GetString(0)] = new StoredCounts(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            }
        }

        // Keys (device, metric, ts) stored more than once: the primary key should make this 0.
        var duplicates = await ScalarAsync(connection, snapshot, idPrefix, """
            SELECT count(*) FROM (
                SELECT 1 FROM telemetry t JOIN devices d ON d.key = t.device_key
                WHERE d.device_id LIKE $1
                GROUP BY t.device_key, t.metric_id, t.ts HAVING count(*) > 1) duplicates
            """, cancellationToken);
        var deadLetters = await ScalarAsync(connection, snapshot, idPrefix,
            "SELECT count(*) FROM dead_letters WHERE device_id LIKE $1", cancellationToken);
        var rollup1m = await ScalarAsync(connection, snapshot, idPrefix, RollupCount("iot_minutes"), cancellationToken);
        var rollup1h = await ScalarAsync(connection, snapshot, idPrefix, RollupCount("iot_hours"), cancellationToken);

        // Latest values as read (stored, plus any newer raw point) against each series' newest raw point.
        var staleLatest = await ScalarAsync(connection, snapshot, idPrefix, """
            SELECT count(*) FROM (
                SELECT t.device_key, t.metric_id, max(t.ts) AS newest
                FROM telemetry t JOIN devices d ON d.key = t.device_key
                WHERE d.device_id LIKE $1
                GROUP BY 1, 2) s
            WHERE NOT EXISTS (SELECT 1 FROM iot_latest_values(s.device_key) l WHERE l.metric_id = s.metric_id AND l.ts = s.newest)
            """, cancellationToken);

        // The rollup job keeps up when no minute is still pending well after it closed (it runs every 5 s, 10 s grace).
        await using var behind = new NpgsqlCommand("""
            SELECT count(*) FROM telemetry_pending WHERE width = interval '1 minute' AND bucket + width < now() - interval '30 seconds'
            """, connection, snapshot);
        var minutesBehind = (long)(await behind.ExecuteScalarAsync(cancellationToken))!;
        return new StoredTotals(perDevice, duplicates, deadLetters, rollup1m, rollup1h, minutesBehind, staleLatest);
    }

    // sum(count) of the buckets as queries read them (stored rollups, and pending buckets from finer data), over every
    // series of the devices: must equal their numeric raw rows (no loss, nothing counted twice).
    private static string RollupCount(string source) => $"""
        SELECT coalesce(sum(r.count), 0)::bigint
        FROM devices d CROSS JOIN metrics m CROSS JOIN LATERAL {source}(d.key, m.id, '-infinity', 'infinity') r
        WHERE d.device_id LIKE $1
        """;

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction snapshot, string idPrefix, string sql)
    {
        var command = new NpgsqlCommand(sql, connection, snapshot) { CommandTimeout = 600 };
        command.Parameters.Add(new NpgsqlParameter { Value = idPrefix + "%" });
        return command;
    }

    private static async Task<long> ScalarAsync(
        NpgsqlConnection connection, NpgsqlTransaction snapshot, string idPrefix, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, snapshot, idPrefix, sql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

public sealed record StoredCounts(long Rows, long Messages, long NumericRows);

public sealed record StoredTotals(
    IReadOnlyDictionary<string, StoredCounts> PerDevice, long DuplicateKeys, long DeadLetters, long Rollup1mCount, long Rollup1hCount,
    long RollupMinutesBehind, long SeriesWithStaleLatest);
