using IotAspire.Core.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Writes batches of points in one transaction, with the batch's rollups, latest values and the devices' <c>last_seen</c>.
/// Fast path: binary COPY straight into <c>telemetry</c>, rollups aggregated here (one row per bucket, not per point).
/// When a point is already stored (a redelivered message), COPY hits the primary key: the batch goes back to a
/// savepoint and through a staging table with an idempotent insert whose inserted rows alone are rolled up.
/// The partitions the batch needs are created first.
/// </summary>
public sealed class TelemetryStore(NpgsqlDataSource dataSource, DeviceDirectory devices, MetricDirectory metrics, PartitionDirectory partitions)
{
    private const string CreateStaging = """
        CREATE TEMP TABLE IF NOT EXISTS telemetry_staging (
            device_key bigint NOT NULL, metric_id integer NOT NULL, ts timestamptz NOT NULL,
            num_value double precision, bool_value boolean, text_value text
        ) ON COMMIT DELETE ROWS
        """;

    private const string CopyStaging =
        "COPY telemetry_staging (device_key, metric_id, ts, num_value, bool_value, text_value) FROM STDIN (FORMAT BINARY)";

    // Fast path: straight into the partitions. Redeliveries are rare; when one makes COPY hit the primary key,
    // the batch is rolled back to a savepoint and written through the staging table with ON CONFLICT DO NOTHING.
    private const string CopyTelemetry =
        "COPY telemetry (device_key, metric_id, ts, num_value, bool_value, text_value) FROM STDIN (FORMAT BINARY)";

    private const string RollupColumns = "(device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)";

    // How a batch's aggregate of a bucket folds into the stored one (the target table is aliased r).
    private const string RollupMerge = """
        ON CONFLICT (device_key, metric_id, bucket) DO UPDATE SET
            min_value = least(r.min_value, excluded.min_value), max_value = greatest(r.max_value, excluded.max_value),
            sum_value = r.sum_value + excluded.sum_value, count = r.count + excluded.count,
            first_ts = least(r.first_ts, excluded.first_ts), last_ts = greatest(r.last_ts, excluded.last_ts)
        """;

    private const string RollupFromArrays = $$"""
        SELECT * FROM unnest($1::bigint[], $2::integer[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[],
                             $7::bigint[], $8::timestamptz[], $9::timestamptz[])
        {{RollupMerge}}
        """;

    private const string LatestFromArrays = """
        INSERT INTO latest_values AS l (device_key, metric_id, ts, num_value, bool_value, text_value)
        SELECT * FROM unnest($1::bigint[], $2::integer[], $3::timestamptz[], $4::float8[], $5::boolean[], $6::text[])
        ON CONFLICT (device_key, metric_id) DO UPDATE
        SET ts = excluded.ts, num_value = excluded.num_value, bool_value = excluded.bool_value, text_value = excluded.text_value
        WHERE l.ts < excluded.ts
        """;

    // One statement: the rows actually inserted (RETURNING skips those ON CONFLICT DO NOTHING left out, so a
    // redelivered message is never counted twice) feed both rollups. GROUP BY gives one row per key, as
    // ON CONFLICT DO UPDATE requires; ORDER BY makes concurrent writers (replicas given the same redelivered
    // points) take their row locks in the same order. Late points simply update the older buckets they fall in.
    private const string InsertTelemetryAndRollups = $$"""
        WITH inserted AS (
            INSERT INTO telemetry (device_key, metric_id, ts, num_value, bool_value, text_value)
            SELECT device_key, metric_id, ts, num_value, bool_value, text_value FROM telemetry_staging
            ORDER BY device_key, metric_id, ts
            ON CONFLICT DO NOTHING
            RETURNING device_key, metric_id, ts, num_value
        ), minutes AS (
            INSERT INTO telemetry_1m AS r (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
            SELECT device_key, metric_id, date_bin('1 minute', ts, 'epoch'), min(num_value), max(num_value), sum(num_value), count(*), min(ts), max(ts)
            FROM inserted WHERE num_value IS NOT NULL
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            {{RollupMerge}}
        ), hours AS (
            INSERT INTO telemetry_1h AS r (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
            SELECT device_key, metric_id, date_bin('1 hour', ts, 'epoch'), min(num_value), max(num_value), sum(num_value), count(*), min(ts), max(ts)
            FROM inserted WHERE num_value IS NOT NULL
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            {{RollupMerge}}
        )
        SELECT count(*)::int FROM inserted
        """;

    // DISTINCT ON: one row per key, else ON CONFLICT DO UPDATE would touch a row twice. Sorted by key so that
    // concurrent replicas lock rows in the same order.
    private const string UpsertLatest = """
        INSERT INTO latest_values AS l (device_key, metric_id, ts, num_value, bool_value, text_value)
        SELECT DISTINCT ON (device_key, metric_id) device_key, metric_id, ts, num_value, bool_value, text_value
        FROM telemetry_staging
        ORDER BY device_key, metric_id, ts DESC
        ON CONFLICT (device_key, metric_id) DO UPDATE
        SET ts = excluded.ts, num_value = excluded.num_value, bool_value = excluded.bool_value, text_value = excluded.text_value
        WHERE l.ts < excluded.ts
        """;

    private const string UpdateLastSeen = """
        UPDATE devices AS d SET last_seen = greatest(d.last_seen, s.seen)
        FROM (SELECT * FROM unnest($1::bigint[], $2::timestamptz[]) AS u(key, seen) ORDER BY key) AS s
        WHERE d.key = s.key
        """;

    /// <summary>
    /// Writes the points of the registered devices' messages and completes those messages after the commit;
    /// messages of unregistered devices complete as <see cref="WriteOutcome.DeviceNotRegistered"/>.
    /// Returns the number of rows inserted. Throws on database errors, leaving every message pending.
    /// </summary>
    public async Task<int> WriteAsync(IReadOnlyList<PendingWrite> batch, CancellationToken cancellationToken)
    {
        var deviceKeys = await devices.ResolveAsync(batch.Select(p => p.DeviceId).ToHashSet(StringComparer.Ordinal), cancellationToken);
        var registered = batch.Where(p => deviceKeys.ContainsKey(p.DeviceId)).ToList();
        var inserted = 0;
        if (registered.Count > 0)
        {
            var metricIds = await metrics.ResolveAsync(
                registered.SelectMany(p => p.Points).Select(p => p.Metric).ToHashSet(StringComparer.Ordinal), cancellationToken);
            var resolved = new ResolvedBatch(registered, deviceKeys, metricIds);
            try
            {
                inserted = await WriteRegisteredAsync(resolved, cancellationToken);
            }
            catch (Exception ex) when (PartitionDirectory.IsMissingPartition(ex))
            {
                // Retention dropped a partition we remembered: forget them all and write once more, creating it again.
                partitions.Forget();
                inserted = await WriteRegisteredAsync(resolved, cancellationToken);
            }
        }

        foreach (var pending in batch)
        {
            pending.Complete(deviceKeys.ContainsKey(pending.DeviceId) ? WriteOutcome.Written : WriteOutcome.DeviceNotRegistered);
        }

        return inserted;
    }

    private async Task<int> WriteRegisteredAsync(ResolvedBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // Before the batch's transaction, in a short one of its own: creating a partition locks the whole parent table,
        // and holding that lock through the batch would stall the other writers and every reader until our commit.
        await partitions.EnsureAsync(connection, batch.Rows().Select(row => row.Point.Timestamp), cancellationToken);

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int inserted;
        await transaction.SaveAsync("fast_path", cancellationToken);
        try
        {
            inserted = await CopyRowsAsync(connection, CopyTelemetry, batch, cancellationToken);
            await WriteAggregatesAsync(connection, transaction, Aggregate(batch), cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync("fast_path", cancellationToken);
            inserted = await WriteThroughStagingAsync(connection, transaction, batch, cancellationToken);
        }

        var lastSeen = batch.Messages
            .GroupBy(p => batch.DeviceKeys[p.DeviceId])
            .Select(g => (Key: g.Key, Seen: g.Max(p => p.ReceivedAt)))
            .ToArray();
        await using (var seen = new NpgsqlCommand(UpdateLastSeen, connection, transaction))
        {
            seen.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. lastSeen.Select(s => s.Key)] });
            seen.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. lastSeen.Select(s => s.Seen.UtcDateTime)] });
            await seen.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    /// <summary>The slow path, for batches with points already stored (redeliveries): only new rows count and roll up.</summary>
    private static async Task<int> WriteThroughStagingAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        ResolvedBatch batch,
        CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(CreateStaging, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await CopyRowsAsync(connection, CopyStaging, batch, cancellationToken);

        int inserted;
        await using (var insert = new NpgsqlCommand(InsertTelemetryAndRollups, connection, transaction))
        {
            inserted = (int)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        await using (var latest = new NpgsqlCommand(UpsertLatest, connection, transaction))
        {
            await latest.ExecuteNonQueryAsync(cancellationToken);
        }

        return inserted;
    }

    private static async Task<int> CopyRowsAsync(NpgsqlConnection connection, string copyCommand, ResolvedBatch batch, CancellationToken cancellationToken)
    {
        var rows = 0;
        await using var importer = await connection.BeginBinaryImportAsync(copyCommand, cancellationToken);
        foreach (var (deviceKey, metricId, point) in batch.Rows())
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(deviceKey, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(metricId, NpgsqlDbType.Integer, cancellationToken);
            await importer.WriteAsync(point.Timestamp, NpgsqlDbType.TimestampTz, cancellationToken);
            await WriteValueAsync(importer, point.Value, cancellationToken);
            rows++;
        }

        await importer.CompleteAsync(cancellationToken);
        return rows;
    }

    private static RollupAggregates Aggregate(ResolvedBatch batch)
    {
        var aggregates = new RollupAggregates();
        foreach (var (deviceKey, metricId, point) in batch.Rows())
        {
            aggregates.Add(deviceKey, metricId, point.Timestamp, point.Value);
        }

        return aggregates;
    }

    private static async Task WriteAggregatesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RollupAggregates aggregates, CancellationToken cancellationToken)
    {
        // Keys are sorted (SortedDictionary), so concurrent writers lock rollup rows in the same order.
        await UpsertRollupAsync(connection, transaction, "telemetry_1m", aggregates.Minutes, cancellationToken);
        await UpsertRollupAsync(connection, transaction, "telemetry_1h", aggregates.Hours, cancellationToken);

        var latest = aggregates.Latest.ToArray();
        await using var command = new NpgsqlCommand(LatestFromArrays, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. latest.Select(l => l.Key.Device)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. latest.Select(l => l.Key.Metric)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. latest.Select(l => l.Value.At.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = [.. latest.Select(l => l.Value.Value.Kind == TelemetryValueKind.Number ? l.Value.Value.Number : (double?)null)] });
        command.Parameters.Add(new NpgsqlParameter<bool?[]> { TypedValue = [.. latest.Select(l => l.Value.Value.Kind == TelemetryValueKind.Boolean ? l.Value.Value.Boolean : (bool?)null)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. latest.Select(l => l.Value.Value.Text)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task UpsertRollupAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        string table,
        SortedDictionary<(long Device, int Metric, DateTimeOffset Bucket), RollupAggregates.Bucket> buckets,
        CancellationToken cancellationToken)
    {
        if (buckets.Count == 0)
        {
            return;
        }

        var rows = buckets.ToArray();
        await using var command = new NpgsqlCommand($"INSERT INTO {table} AS r {RollupColumns} {RollupFromArrays}", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Key.Device)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Key.Metric)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.Key.Bucket.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.Min)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.Max)] });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. rows.Select(r => r.Value.Sum)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Value.Count)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.Value.First.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.Value.Last.UtcDateTime)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task WriteValueAsync(NpgsqlBinaryImporter importer, TelemetryValue value, CancellationToken cancellationToken)
    {
        if (value.Kind == TelemetryValueKind.Number)
        {
            await importer.WriteAsync(value.Number, NpgsqlDbType.Double, cancellationToken);
        }
        else
        {
            await importer.WriteNullAsync(cancellationToken);
        }

        if (value.Kind == TelemetryValueKind.Boolean)
        {
            await importer.WriteAsync(value.Boolean, NpgsqlDbType.Boolean, cancellationToken);
        }
        else
        {
            await importer.WriteNullAsync(cancellationToken);
        }

        if (value.Kind == TelemetryValueKind.Text)
        {
            await importer.WriteAsync(value.Text!, NpgsqlDbType.Text, cancellationToken);
        }
        else
        {
            await importer.WriteNullAsync(cancellationToken);
        }
    }

    /// <summary>Messages of registered devices with their device keys and metric ids resolved.</summary>
    private sealed record ResolvedBatch(
        List<PendingWrite> Messages,
        IReadOnlyDictionary<string, long> DeviceKeys,
        IReadOnlyDictionary<string, int> MetricIds)
    {
        public IEnumerable<(long DeviceKey, int MetricId, TelemetryPoint Point)> Rows()
        {
            foreach (var message in Messages)
            {
                var deviceKey = DeviceKeys[message.DeviceId];
                foreach (var point in message.Points)
                {
                    yield return (deviceKey, MetricIds[point.Metric], point);
                }
            }
        }
    }
}
