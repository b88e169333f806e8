using IotAspire.Archiver.Export;
using IotAspire.Core.Archive;
using IotAspire.Core.Telemetry.Maintenance;
using Npgsql;

namespace IotAspire.Archiver.Manifest;

/// <summary>
/// The manifest tables (schema 0020). <see cref="CommitAsync"/> is the commit point of an export: the parts' rows, the
/// day's new coverage and the watermark in one transaction, only if the day's coverage is still what the export started
/// from (so a second Archiver, or a retried export, can never commit the same rows twice).
/// </summary>
public sealed class ArchiveManifest(NpgsqlDataSource dataSource)
{
    public const string StatusName = TelemetryRetention.WatermarkName;

    public async Task<Guid> InstanceAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM archive_instance");
        return (Guid)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<DayCoverage> CoverageAsync(DateOnly day, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT covered_rows, next_part FROM archive_days WHERE day = $1");
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new DayCoverage(reader.GetInt64(0), reader.GetInt32(1)) : DayCoverage.None;
    }

    /// <summary>The paths of the day's committed parts, in part order.</summary>
    public async Task<IReadOnlyList<string>> PartPathsAsync(DateOnly day, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT path FROM archive_parts WHERE day = $1 ORDER BY part");
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
        var paths = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            paths.Add(reader.GetString(0));
        }

        return paths;
    }

    /// <summary>Every committed part path: what start-up compares the files against.</summary>
    public async Task<IReadOnlySet<string>> AllPartPathsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT path FROM archive_parts");
        var paths = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            paths.Add(reader.GetString(0));
        }

        return paths;
    }

    /// <summary>
    /// Commits an export of <paramref name="day"/>: its parts (possibly none, when every new row was archived already),
    /// coverage <paramref name="coveredAfter"/> and, when given, the watermark. Returns false (and commits nothing) when
    /// the day's coverage is no longer <paramref name="from"/>.
    /// </summary>
    public async Task<bool> CommitAsync(
        DateOnly day, DayCoverage from, long coveredAfter, IReadOnlyList<ArchivedPart> parts, DateTime? watermark, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var ensure = new NpgsqlCommand("INSERT INTO archive_days (day) VALUES ($1) ON CONFLICT DO NOTHING", connection, transaction))
        {
            ensure.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var advance = new NpgsqlCommand("""
            UPDATE archive_days SET covered_rows = $4, next_part = next_part + $5, parts = parts + $5, rows = rows + $6, bytes = bytes + $7,
                                    updated_at = now()
            WHERE day = $1 AND covered_rows = $2 AND next_part = $3
            """, connection, transaction))
        {
            advance.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day });
            advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from.CoveredRows });
            advance.Parameters.Add(new NpgsqlParameter<int> { TypedValue = from.NextPart });
            advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = coveredAfter });
            advance.Parameters.Add(new NpgsqlParameter<int> { TypedValue = parts.Count });
            advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = parts.Sum(p => p.Rows) });
            advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = parts.Sum(p => p.Bytes) });
            if (await advance.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                await transaction.RollbackAsync(cancellationToken);
                return false;
            }
        }

        foreach (var part in parts)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO archive_parts (day, part, path, rows, bytes, checksum, min_ts, max_ts, verified, run_id, schema_version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10)
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = part.Day });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = part.Part });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = part.Path });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = part.Rows });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = part.Bytes });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = part.Checksum });
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ArchiveRow.FromMicros(part.MinMicros) });
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ArchiveRow.FromMicros(part.MaxMicros) });
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = part.RunId });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ArchiveColumns.SchemaVersion });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (watermark is { } until)
        {
            await AdvanceWatermarkAsync(connection, transaction, until, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Moves the watermark forward (never back) to <paramref name="until"/>: every closed day before it was exported.</summary>
    public async Task AdvanceWatermarkAsync(DateTime until, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await AdvanceWatermarkAsync(connection, null, until, cancellationToken);
    }

    public async Task<DateTime?> WatermarkAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT exported_until FROM archive_watermarks WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusName });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime until ? until : null;
    }

    /// <summary>The outcome of a pass: an error (kept until the next one replaces it) or a success, and the lag.</summary>
    public async Task RecordRunAsync(string? error, TimeSpan? lag, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO archive_status AS s (name, last_run_at, last_success_at, last_error, last_error_at, lag_seconds)
            VALUES ($1, now(), CASE WHEN $2::text IS NULL THEN now() END, $2, CASE WHEN $2::text IS NOT NULL THEN now() END, $3)
            ON CONFLICT (name) DO UPDATE SET
                last_run_at = now(),
                lag_seconds = coalesce(excluded.lag_seconds, s.lag_seconds),
                last_success_at = coalesce(excluded.last_success_at, s.last_success_at),
                last_error = coalesce(excluded.last_error, s.last_error),
                last_error_at = coalesce(excluded.last_error_at, s.last_error_at)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusName });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = lag is { } l ? (long)l.TotalSeconds : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task AdvanceWatermarkAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, DateTime until, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO archive_watermarks AS w (name, exported_until) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET exported_until = greatest(w.exported_until, excluded.exported_until), updated_at = now()
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StatusName });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(until, DateTimeKind.Utc) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
