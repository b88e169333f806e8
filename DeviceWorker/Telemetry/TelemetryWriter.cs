using IotAspire.Core.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Writes batches of points in one transaction, with the devices' <c>last_seen</c>, the latest values of series seen for
/// the first time, and the marks of the minutes and hours it wrote into: their rollups, and the latest values of the
/// series already known, are computed by <see cref="RollupJob"/> once the minute has closed.
/// Fast path: binary COPY straight into <c>telemetry</c>. When a point is already stored (a redelivered message), COPY
/// hits the primary key: the batch goes back to a savepoint and through a staging table with an idempotent insert.
/// The partitions the batch needs are created first.
/// </summary>
public sealed class TelemetryWriter(
    NpgsqlDataSource dataSource, DeviceDirectory devices, MetricDirectory metrics, PartitionDirectory partitions, KnownSeries knownSeries)
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

    // ORDER BY: concurrent writers (replicas given the same redelivered points) take their locks in the same order.
    private const string InsertFromStaging = """
        WITH inserted AS (
            INSERT INTO telemetry (device_key, metric_id, ts, num_value, bool_value, text_value)
            SELECT device_key, metric_id, ts, num_value, bool_value, text_value FROM telemetry_staging
            ORDER BY device_key, metric_id, ts
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::int FROM inserted
        """;

    private const string UpdateLastSeen = """
        UPDATE devices AS d SET last_seen = greatest(d.last_seen, s.seen)
        FROM (SELECT * FROM unnest($1::bigint[], $2::timestamptz[]) AS u(key, seen) ORDER BY key) AS s
        WHERE d.key = s.key
        """;

    // Raising the version tells the rollup job that the bucket changed since it last read the mark (see RollupJob).
    // Usually one minute and one hour per batch; every batch updates them, so this runs last, just before the commit.
    // Days whose raw rows retention dropped keep their rollups as they are (schema 0005).
    private const string MarkPending = """
        INSERT INTO telemetry_pending AS p (width, bucket)
        SELECT u.width, u.bucket FROM unnest($1::interval[], $2::timestamptz[]) AS u(width, bucket)
        WHERE NOT EXISTS (SELECT 1 FROM telemetry_raw_dropped d WHERE d.day = date_trunc('day', u.bucket, 'UTC'))
        ORDER BY 1, 2
        ON CONFLICT (width, bucket) DO UPDATE SET version = p.version + 1
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
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync("fast_path", cancellationToken);
            inserted = await WriteThroughStagingAsync(connection, transaction, batch, cancellationToken);
        }

        // From every point of the batch, duplicates included: a repeated latest value changes nothing, and a bucket
        // marked once more is only computed once more. Latest values only for series seen for the first time.
        var summary = Summarize(batch);
        var newSeries = summary.Latest.ToArray();
        await InsertFirstSeenAsync(connection, transaction, newSeries, cancellationToken);

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

        await MarkPendingAsync(connection, transaction, summary, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        knownSeries.AddRange(newSeries.Select(l => l.Key));
        return inserted;
    }

    /// <summary>The slow path, for batches with points already stored (redeliveries): only new rows are inserted and counted.</summary>
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
        await using var insert = new NpgsqlCommand(InsertFromStaging, connection, transaction);
        return (int)(await insert.ExecuteScalarAsync(cancellationToken))!;
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

    /// <summary>The batch's buckets, and the latest values of the series seen for the first time.</summary>
    private BatchSummary Summarize(ResolvedBatch batch)
    {
        var summary = new BatchSummary();
        foreach (var (deviceKey, metricId, point) in batch.Rows())
        {
            summary.Add(deviceKey, metricId, point.Timestamp, point.Value, trackLatest: !knownSeries.Contains(deviceKey, metricId));
        }

        return summary;
    }

    private static async Task InsertFirstSeenAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        KeyValuePair<(long Device, int Metric), (DateTimeOffset At, TelemetryValue Value)>[] latest,
        CancellationToken cancellationToken)
    {
        if (latest.Length == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(LatestValues.InsertFirstSeen, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. latest.Select(l => l.Key.Device)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. latest.Select(l => l.Key.Metric)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. latest.Select(l => l.Value.At.UtcDateTime)] });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = [.. latest.Select(l => l.Value.Value.Kind == TelemetryValueKind.Number ? l.Value.Value.Number : (double?)null)] });
        command.Parameters.Add(new NpgsqlParameter<bool?[]> { TypedValue = [.. latest.Select(l => l.Value.Value.Kind == TelemetryValueKind.Boolean ? l.Value.Value.Boolean : (bool?)null)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. latest.Select(l => l.Value.Value.Text)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task MarkPendingAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchSummary summary, CancellationToken cancellationToken)
    {
        var marks = summary.Minutes.Select(m => (RollupWidth.Minute.Length, m))
            .Concat(summary.Hours.Select(h => (RollupWidth.Hour.Length, h)))
            .ToArray();
        if (marks.Length == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(MarkPending, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan[]> { TypedValue = [.. marks.Select(m => m.Item1)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. marks.Select(m => m.Item2.UtcDateTime)] });
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
