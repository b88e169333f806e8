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

    /// <summary>Per device: raw rows, messages (rows of the metric every message carries) and numeric rows.</summary>
    public async Task<IReadOnlyDictionary<string, StoredCounts>> CountPerDeviceAsync(string idPrefix, string everyMessageMetric, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT d.device_id, count(*), count(*) FILTER (WHERE t.metric_id = m.id), count(t.num_value)
            FROM telemetry t
            JOIN devices d ON d.key = t.device_key
            LEFT JOIN metrics m ON m.name = $2
            WHERE d.device_id LIKE $1
            GROUP BY d.device_id
            """);
        command.CommandTimeout = 600;
        command.Parameters.Add(new NpgsqlParameter { Value = idPrefix + "%" });
        command.Parameters.Add(new NpgsqlParameter { Value = everyMessageMetric });
        var counts = new Dictionary<string, StoredCounts>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = new StoredCounts(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        return counts;
    }

    /// <summary>Keys (device, metric, ts) stored more than once; the primary key should make this 0.</summary>
    public async Task<long> DuplicateKeysAsync(string idPrefix, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT count(*) FROM (
                SELECT 1 FROM telemetry t JOIN devices d ON d.key = t.device_key
                WHERE d.device_id LIKE $1
                GROUP BY t.device_key, t.metric_id, t.ts HAVING count(*) > 1) duplicates
            """);
        command.CommandTimeout = 600;
        command.Parameters.Add(new NpgsqlParameter { Value = idPrefix + "%" });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>sum(count) of a rollup table over the devices: must equal their numeric raw rows (no loss, nothing counted twice).</summary>
    public async Task<long> RollupCountAsync(string table, string idPrefix, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"""
            SELECT coalesce(sum(r.count), 0)::bigint FROM {table} r JOIN devices d ON d.key = r.device_key WHERE d.device_id LIKE $1
            """);
        command.CommandTimeout = 600;
        command.Parameters.Add(new NpgsqlParameter { Value = idPrefix + "%" });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> DeadLettersAsync(string idPrefix, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT count(*) FROM dead_letters WHERE device_id LIKE $1");
        command.Parameters.Add(new NpgsqlParameter { Value = idPrefix + "%" });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

public sealed record StoredCounts(long Rows, long Messages, long NumericRows);
