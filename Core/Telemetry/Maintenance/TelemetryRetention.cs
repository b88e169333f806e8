using IotAspire.Core.Data;
using Npgsql;

namespace IotAspire.Core.Telemetry.Maintenance;

/// <summary>
/// Partition maintenance of the telemetry tables: creates the partitions of the next days ahead of the writers and
/// applies retention by dropping whole partitions (never DELETE: dropping frees the disk at once and leaves no bloat).
/// A session advisory lock lets only one replica run it at a time; the others skip.
/// </summary>
public static class TelemetryRetention
{
    /// <summary>The name under which the Archiver records how far it exported raw telemetry.</summary>
    public const string WatermarkName = "telemetry";

    private const long LockId = 0x1077A5_7E7E;

    /// <summary>What <see cref="TryDdlAsync"/> returns when its guard said no: the transaction was rolled back.</summary>
    private static readonly object GuardFailed = new();
    private const string LockNotAvailable = "55P03";

    public static async Task<TelemetryMaintenanceResult> RunAsync(
        NpgsqlDataSource dataSource, RetentionOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await SessionAdvisoryLock.TryTakeAsync(connection, LockId, cancellationToken))
        {
            return TelemetryMaintenanceResult.Skipped;
        }

        try
        {
            var deferred = new List<string>();
            var created = await PrecreateAsync(connection, options, now, deferred, cancellationToken);

            var watermark = await ScalarAsync<DateTime?>(connection,
                "SELECT exported_until FROM archive_watermarks WHERE name = $1", cancellationToken, WatermarkName);
            var rawCutoff = RetentionPlan.RawCutoff(options, now, watermark is { } w ? new DateTimeOffset(w, TimeSpan.Zero) : null);
            var rollupCutoff = RetentionPlan.RollupCutoff(options, now);

            var dropped = new List<PartitionRange>();
            var notArchived = new List<string>();
            foreach (var table in TelemetryTables.All)
            {
                var due = RetentionPlan.Due(await PartitionsAsync(connection, table, cancellationToken), table.IsRaw ? rawCutoff : rollupCutoff);
                foreach (var partition in due)
                {
                    // A raw day is locked first: its last points become latest values before it goes.
                    var name = QuoteIdentifier(partition.Name);
                    var (first, then) = table.IsRaw
                        ? ($"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE", RawDropStatements(name, partition))
                        : ($"DROP TABLE IF EXISTS {name}", []);
                    var guard = table.IsRaw && options.RequireArchive ? ArchivedGuard(name, partition) : null;
                    var outcome = await TryDdlAsync(connection, options, first, [], cancellationToken, then, guard);
                    if (ReferenceEquals(outcome, GuardFailed))
                    {
                        notArchived.Add(partition.Name);
                    }
                    else if (outcome is not null)
                    {
                        dropped.Add(partition);
                    }
                    else
                    {
                        deferred.Add(partition.Name);
                    }
                }
            }

            return new TelemetryMaintenanceResult(true, created, dropped, deferred, notArchived, rawCutoff, rollupCutoff);
        }
        finally
        {
            await SessionAdvisoryLock.ReleaseAsync(connection, LockId);
        }
    }

    /// <summary>Every partition of <paramref name="table"/> with the end of its range.</summary>
    public static async Task<IReadOnlyList<PartitionRange>> PartitionsAsync(
        NpgsqlConnection connection, PartitionedTable table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT partition_name, range_end FROM iot_partitions_before($1, 'infinity')", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table.Name });
        var partitions = new List<PartitionRange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            partitions.Add(new PartitionRange(table.Name, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return partitions;
    }

    private static async Task<List<string>> PrecreateAsync(
        NpgsqlConnection connection, RetentionOptions options, DateTimeOffset now, List<string> deferred, CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in TelemetryTables.All)
        {
            existing.UnionWith((await PartitionsAsync(connection, table, cancellationToken)).Select(p => p.Name));
        }

        var created = new List<string>();
        foreach (var (table, lowerBound) in RetentionPlan.ToPrecreate(options, now))
        {
            var name = await TryDdlAsync(
                connection, options, "SELECT iot_ensure_partition($1, $2, $3)", [table.Name, table.Unit, lowerBound], cancellationToken, []);
            if (name is null)
            {
                deferred.Add($"{table.Name} {lowerBound:yyyy-MM-dd} (create)");
            }
            else if (existing.Add((string)name))
            {
                created.Add((string)name);
            }
        }

        return created;
    }

    /// <summary>
    /// Runs one DDL statement (or a LOCK) in its own transaction, waiting at most the lock timeout: DDL needs an ACCESS
    /// EXCLUSIVE lock on the parent table, and while it waits every new reader and writer of the table queues behind it.
    /// Returns the statement's scalar result (DBNull for none), or null when the lock was not granted in time.
    /// <paramref name="andThen"/> run after it, in order, in the same transaction, once <paramref name="guard"/> (a
    /// boolean query, if any) said true; else the transaction is rolled back and <see cref="GuardFailed"/> returned.
    /// </summary>
    private static async Task<object?> TryDdlAsync(
        NpgsqlConnection connection, RetentionOptions options, string sql, object[] parameters, CancellationToken cancellationToken,
        IReadOnlyList<Statement> andThen, Statement? guard = null)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var timeout = new NpgsqlCommand($"SET LOCAL lock_timeout = '{options.LockTimeoutSeconds}s'", connection, transaction))
        {
            await timeout.ExecuteNonQueryAsync(cancellationToken);
        }

        object? result;
        try
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter });
            }

            result = await command.ExecuteScalarAsync(cancellationToken) ?? DBNull.Value;
            if (guard is not null)
            {
                await using var check = new NpgsqlCommand(guard.Sql, connection, transaction);
                foreach (var parameter in guard.Parameters)
                {
                    check.Parameters.Add(new NpgsqlParameter { Value = parameter });
                }

                if (await check.ExecuteScalarAsync(cancellationToken) is not true)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return GuardFailed;
                }
            }

            foreach (var statement in andThen)
            {
                await using var then = new NpgsqlCommand(statement.Sql, connection, transaction);
                foreach (var parameter in statement.Parameters)
                {
                    then.Parameters.Add(new NpgsqlParameter { Value = parameter });
                }

                await then.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == LockNotAvailable)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default! : (T)value;
    }

    private sealed record Statement(string Sql, object[] Parameters);

    /// <summary>
    /// What goes with a raw day, once it is locked: the last points it holds become latest values where nothing newer is
    /// stored (readers look for newer values in the raw rows, schema 0007), then the drop, then the record that its
    /// rollups are final (schema 0005).
    /// </summary>
    private static Statement[] RawDropStatements(string quotedName, PartitionRange partition) =>
    [
        new(LatestValues.FoldRawDay(quotedName), []),
        new($"DROP TABLE IF EXISTS {quotedName}", []),
        new("INSERT INTO telemetry_raw_dropped (day) VALUES ($1) ON CONFLICT DO NOTHING", [partition.RangeEnd.AddDays(-1).UtcDateTime]),
        // A partition the worker creates again for late points starts uncovered (schema 0020).
        new("UPDATE archive_days SET covered_rows = 0, updated_at = now() WHERE day = $1", [DayOf(partition)]),
    ];

    /// <summary>
    /// True when the archive manifest covers every row of the (locked) raw partition: its day's covered rows equal the
    /// rows it holds. Rows are only ever added to a partition, and never twice, so equal counts mean the same rows.
    /// </summary>
    private static Statement ArchivedGuard(string quotedName, PartitionRange partition) => new(
        $"SELECT coalesce((SELECT covered_rows FROM archive_days WHERE day = $1) = (SELECT count(*) FROM {quotedName}), false)",
        [DayOf(partition)]);

    private static DateOnly DayOf(PartitionRange partition) => DateOnly.FromDateTime(partition.RangeEnd.UtcDateTime.AddDays(-1));

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
