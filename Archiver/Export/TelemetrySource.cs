using System.Data;
using System.Globalization;
using IotAspire.Core.Telemetry;
using IotAspire.Core.Telemetry.Maintenance;
using Npgsql;

namespace IotAspire.Archiver.Export;

/// <summary>
/// Reads raw telemetry for export. A day is read in one repeatable-read snapshot: its row count and time range, then
/// its rows by binary COPY, series by series in the order of the parts (device id, metric name, time), each series an
/// index range scan of the partition's primary key, so nothing is sorted and memory stays flat.
/// </summary>
public sealed class TelemetrySource(NpgsqlDataSource dataSource)
{
    /// <summary>Raw partitions whose whole day ended at or before <paramref name="closedBefore"/>, oldest first.</summary>
    public async Task<IReadOnlyList<RawDay>> ClosedDaysAsync(DateTimeOffset closedBefore, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var partitions = await TelemetryRetention.PartitionsAsync(connection, TelemetryTables.Raw, cancellationToken);
        return [.. partitions
            .Where(p => p.RangeEnd <= closedBefore)
            .Select(p => new RawDay(DateOnly.FromDateTime(p.RangeEnd.UtcDateTime.AddDays(-1)), p.Name))
            .OrderBy(d => d.Day)];
    }

    /// <summary>Opens the day's snapshot; dispose it when the rows have been read.</summary>
    public async Task<DaySnapshot> OpenAsync(RawDay day, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            return new DaySnapshot(connection, transaction, day);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

/// <summary>One day's partition as one repeatable-read snapshot sees it.</summary>
public sealed class DaySnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, RawDay day) : IAsyncDisposable
{
    private readonly string _partition = QuoteIdentifier(day.Partition);

    public RawDay Day => day;

    /// <summary>The first statement: it fixes the snapshot everything after it reads.</summary>
    public async Task<DaySnapshotStats> StatsAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*), min(ts), max(ts) FROM {_partition}", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var rows = reader.GetInt64(0);
        return rows == 0
            ? new DaySnapshotStats(0, null, null)
            : new DaySnapshotStats(rows, ArchiveRow.ToMicros(reader.GetDateTime(1)), ArchiveRow.ToMicros(reader.GetDateTime(2)));
    }

    /// <summary>The day's coverage in the same snapshot: retention resets it in the transaction that drops the partition.</summary>
    public async Task<DayCoverage> CoverageAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT covered_rows, next_part FROM archive_days WHERE day = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = day.Day });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new DayCoverage(reader.GetInt64(0), reader.GetInt32(1)) : DayCoverage.None;
    }

    /// <summary>The series present in the partition, in part order. A loose index scan: one index probe per series.</summary>
    public async Task<IReadOnlyList<Series>> SeriesAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            WITH RECURSIVE s AS (
                (SELECT device_key, metric_id FROM {_partition} ORDER BY device_key, metric_id LIMIT 1)
                UNION ALL
                SELECT n.device_key, n.metric_id FROM s CROSS JOIN LATERAL (
                    SELECT t.device_key, t.metric_id FROM {_partition} t
                    WHERE (t.device_key, t.metric_id) > (s.device_key, s.metric_id)
                    ORDER BY t.device_key, t.metric_id LIMIT 1) n
            )
            SELECT s.device_key, s.metric_id, d.device_id, m.name FROM s
            JOIN devices d ON d.key = s.device_key
            JOIN metrics m ON m.id = s.metric_id
            """, connection, transaction);
        var series = new List<Series>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            series.Add(new Series(reader.GetInt64(0), reader.GetInt32(1), string.Intern(reader.GetString(2)), string.Intern(reader.GetString(3))));
        }

        series.Sort((a, b) => string.CompareOrdinal(a.DeviceId, b.DeviceId) is var c and not 0 ? c : string.CompareOrdinal(a.Metric, b.Metric));
        return series;
    }

    /// <summary>Every row of the given series, in their order and by time within each, by binary COPY.</summary>
    public async IAsyncEnumerable<ArchiveRow> RowsAsync(
        IReadOnlyList<Series> series, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (series.Count == 0)
        {
            yield break;
        }

        // COPY takes no parameters; the arrays are numbers only. The nested loop keeps the ordinality's order, and the
        // exporter checks that every row comes after the one before it.
        var devices = "{" + string.Join(',', series.Select(s => s.DeviceKey.ToString(CultureInfo.InvariantCulture))) + "}";
        var metrics = "{" + string.Join(',', series.Select(s => s.MetricId.ToString(CultureInfo.InvariantCulture))) + "}";
        var copy = $"""
            COPY (SELECT s.o, t.ts, t.num_value, t.bool_value, t.text_value
                  FROM unnest('{devices}'::bigint[], '{metrics}'::integer[]) WITH ORDINALITY AS s(device_key, metric_id, o)
                  CROSS JOIN LATERAL (
                      SELECT p.ts, p.num_value, p.bool_value, p.text_value FROM {_partition} p
                      WHERE p.device_key = s.device_key AND p.metric_id = s.metric_id
                      ORDER BY p.ts) t)
            TO STDOUT (FORMAT BINARY)
            """;
        await using var export = await connection.BeginBinaryExportAsync(copy, cancellationToken);
        // Rows arrive buffered: the column reads are synchronous (an async call per column cost more than the row).
        while (await export.StartRowAsync(cancellationToken) >= 0)
        {
            var s = series[(int)export.Read<long>() - 1];
            var micros = ArchiveRow.ToMicros(export.Read<DateTime>());
            TelemetryValue value;
            if (!export.IsNull)
            {
                value = TelemetryValue.FromNumber(export.Read<double>());
                export.Skip();
                export.Skip();
            }
            else
            {
                export.Skip();
                if (!export.IsNull)
                {
                    value = TelemetryValue.FromBoolean(export.Read<bool>());
                    export.Skip();
                }
                else
                {
                    export.Skip();
                    value = TelemetryValue.FromText(export.Read<string>());
                }
            }

            yield return new ArchiveRow(s.DeviceId, s.Metric, micros, value);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>A (device, metric) series of a day, with the keys the raw rows carry and the names the parts carry.</summary>
public sealed record Series(long DeviceKey, int MetricId, string DeviceId, string Metric);
