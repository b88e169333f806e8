using System.Globalization;
using DuckDB.NET.Data;
using IotAspire.Api.Queries;
using IotAspire.Api.Model;
using IotAspire.Core.Archive;
using IotAspire.Core.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.Api.Data;

/// <summary>
/// Raw points of days whose raw partitions retention dropped (<c>telemetry_raw_dropped</c>), read from the Archiver's
/// Parquet parts with DuckDB (in process, no extension needed for local Parquet). Parts are sorted by device and metric,
/// so row groups of other series are skipped by their statistics.
/// </summary>
public sealed class ArchiveStore(NpgsqlDataSource dataSource, IOptions<ArchiveReadOptions> options)
{
    // One in-memory DuckDB shared by every connection of the process: Parquet footers are cached across requests.
    private const string DuckDbConnectionString = "DataSource=:memory:?cache=shared";

    private readonly string _root = Path.GetFullPath(options.Value.Root);

    /// <summary>The committed parts of dropped days that overlap the range, in day and part order (usually none).</summary>
    public async Task<IReadOnlyList<string>> DroppedDayPartsAsync(TimeRange range, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.path FROM telemetry_raw_dropped d
            JOIN archive_parts p ON p.day = (d.day AT TIME ZONE 'UTC')::date
            WHERE d.day > $1 - interval '1 day' AND d.day < $2
            ORDER BY p.day, p.part
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = range.From });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = range.To });
        var paths = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            paths.Add(reader.GetString(0));
        }

        return paths;
    }

    /// <summary>Up to <paramref name="take"/> archived points of one series with From &lt;= ts &lt; To and ts &gt; after, by time.</summary>
    public async Task<IReadOnlyList<PointRow>> ReadPointsAsync(
        IReadOnlyList<string> parts, string deviceId, string metric, TimeRange range, DateTime after, int take, CancellationToken cancellationToken)
    {
        await using var connection = new DuckDBConnection(DuckDbConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Values inlined as literals, not parameters: only constants are pushed into the Parquet scan, where the row
        // groups' min/max statistics skip every group without this series (parts are sorted by device and metric).
        // Times are compared as epoch microseconds: no time zone setting can shift them.
        command.CommandText = $"""
            SELECT epoch_us({ArchiveColumns.Timestamp}) AS us, {ArchiveColumns.Number}, {ArchiveColumns.Boolean}, {ArchiveColumns.Text}
            FROM read_parquet([{string.Join(", ", parts.Select(p => Literal(FullPath(p))))}])
            WHERE {ArchiveColumns.DeviceId} = {Literal(deviceId)} AND {ArchiveColumns.Metric} = {Literal(metric)}
              AND epoch_us({ArchiveColumns.Timestamp}) >= {Micros(range.From)} AND epoch_us({ArchiveColumns.Timestamp}) < {Micros(range.To)}
              AND epoch_us({ArchiveColumns.Timestamp}) > {Micros(after)}
            ORDER BY us
            LIMIT {take}
            """;

        var rows = new List<PointRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var value = !reader.IsDBNull(1) ? TelemetryValue.FromNumber(reader.GetDouble(1))
                : !reader.IsDBNull(2) ? TelemetryValue.FromBoolean(reader.GetBoolean(2))
                : TelemetryValue.FromText(reader.GetString(3));
            rows.Add(new PointRow(DateTime.UnixEpoch.AddTicks(reader.GetInt64(0) * TimeSpan.TicksPerMicrosecond), value));
        }

        return rows;
    }

    public async Task<ArchiveStatusDto> ReadStatusAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.exported_until, s.lag_seconds, a.days, a.parts, a.rows, a.bytes, a.first_day, a.last_day,
                   s.last_run_at, s.last_success_at, s.last_error, s.last_error_at
            FROM (SELECT count(*) FILTER (WHERE parts > 0)::int AS days, coalesce(sum(parts), 0)::int AS parts,
                         coalesce(sum(rows), 0)::bigint AS rows, coalesce(sum(bytes), 0)::bigint AS bytes,
                         min(day) FILTER (WHERE parts > 0) AS first_day, max(day) FILTER (WHERE parts > 0) AS last_day
                  FROM archive_days) a
            LEFT JOIN archive_watermarks w ON w.name = $1
            LEFT JOIN archive_status s ON s.name = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Core.Telemetry.Maintenance.TelemetryRetention.WatermarkName });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ArchiveStatusDto(
            Nullable<DateTime>(reader, 0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3),
            reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateOnly>(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateOnly>(7), Nullable<DateTime>(reader, 8), Nullable<DateTime>(reader, 9),
            reader.IsDBNull(10) ? null : reader.GetString(10), Nullable<DateTime>(reader, 11));
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, int column) where T : struct =>
        reader.IsDBNull(column) ? null : reader.GetFieldValue<T>(column);

    private string FullPath(string part) => Path.Combine(_root, part.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>A SQL string literal (quotes doubled); device ids and metric names are validated before they get here.</summary>
    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Micros(DateTime utc) =>
        ((utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond).ToString(CultureInfo.InvariantCulture);
}
