using IotAspire.Api.Queries;
using IotAspire.Api.Model;
using IotAspire.Core.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace IotAspire.Api.Data;

/// <summary>
/// Reads stored telemetry: raw points (<c>telemetry</c>), rollups (through <c>iot_minutes</c> and <c>iot_hours</c>) and
/// the latest values (through <c>iot_latest_values</c>). A series query is one round trip whatever the number of metrics: one batch that checks the device
/// and runs a statement per metric, each a plain index range scan in time order over the partitions of the range,
/// planned with its own values. Device and metric ids are resolved inside the statements, so no lookup comes first.
/// </summary>
/// Raw points of days that retention dropped come from the archive (<see cref="ArchiveStore"/>), merged in by time.
public sealed class TelemetryReader(NpgsqlDataSource dataSource, ArchiveStore? archive = null)
{
    private const string DeviceSql = "SELECT 1 FROM devices WHERE device_id = $1";

    private const string SeriesCondition =
        "device_key = (SELECT key FROM devices WHERE device_id = $1) AND metric_id = (SELECT id FROM metrics WHERE name = $2)";

    private const string SeriesWhere = "d.device_id = $1 AND m.name = $2";

    // Raw points per metric in the range, from the hourly rollup (partly covered hours count in proportion), read
    // in time order only until the running total passes the limit: every rollup row counts at least one point, so
    // no more than limit + 1 rows are read, however long the range. NULL: the series stays within the limit.
    // Only numeric values are rolled up, so a text or boolean series estimates 0 and is answered raw (and paged).
    private const string EstimateSql = """
        SELECT (SELECT running.total
                FROM (SELECT sum(h.count * extract(epoch FROM least(h.bucket + interval '1 hour', $4) - greatest(h.bucket, $3))::float8 / 3600)
                             OVER (ORDER BY h.bucket) AS total
                      FROM iot_hours(d.key, m.id, $5, $4) h) running
                WHERE running.total > $6
                LIMIT 1)
        FROM devices d
        CROSS JOIN unnest($2::text[]) AS asked(name)
        LEFT JOIN metrics m ON m.name = asked.name
        WHERE d.device_id = $1
        """;

    // Both lower bounds are plain range conditions, so the primary key index seeks straight to the page
    // (an "after IS NULL OR" filter would scan every earlier row).
    private const string PointsSql = $"""
        SELECT ts, num_value, bool_value, text_value FROM telemetry
        WHERE {SeriesCondition} AND ts >= $3 AND ts > $5 AND ts < $4
        ORDER BY ts
        LIMIT $6
        """;

    /// <summary>
    /// Whether some series holds more than <see cref="TelemetryRules.AutomaticMaxPoints"/> raw points in the range:
    /// a number above that limit if so, else 0; null when the device is unknown.
    /// </summary>
    public async Task<long?> EstimateMaxPointsAsync(string deviceId, IReadOnlyList<string> metrics, TimeRange range, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(EstimateSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. metrics] });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = range.From });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = range.To });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ResolutionPolicy.BucketStart(range.From, TimeSpan.FromHours(1)) });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = TelemetryRules.AutomaticMaxPoints });

        long? estimate = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var series = reader.IsDBNull(0) ? 0 : (long)Math.Ceiling(reader.GetDouble(0));
            estimate = Math.Max(estimate ?? 0, series);
        }

        return estimate;
    }

    /// <summary>
    /// Per metric (in the order asked; empty for one the device never sent), up to <paramref name="take"/> points with
    /// From &lt;= ts &lt; To and ts &gt; <paramref name="after"/>, ordered by time. Null when the device is unknown.
    /// </summary>
    public async Task<IReadOnlyList<PointRow>[]?> ReadPointsAsync(
        string deviceId, IReadOnlyList<string> metrics, TimeRange range, DateTime? after, int take, CancellationToken cancellationToken)
    {
        // One microsecond before From is "no cursor": Postgres keeps microseconds.
        var afterBound = after ?? range.From.AddTicks(-TimeSpan.TicksPerMicrosecond);
        var stored = await ReadStoredPointsAsync(deviceId, metrics, range, afterBound, take, cancellationToken);
        if (stored is null || archive is null)
        {
            return stored;
        }

        var parts = await archive.DroppedDayPartsAsync(range, cancellationToken);
        if (parts.Count == 0)
        {
            return stored;
        }

        for (var i = 0; i < metrics.Count; i++)
        {
            var archived = await archive.ReadPointsAsync(parts, deviceId, metrics[i], range, afterBound, take, cancellationToken);
            stored[i] = PointMerge.Merge(stored[i], archived, take);
        }

        return stored;
    }

    private Task<IReadOnlyList<PointRow>[]?> ReadStoredPointsAsync(
        string deviceId, IReadOnlyList<string> metrics, TimeRange range, DateTime afterBound, int take, CancellationToken cancellationToken)
    {
        return ReadSeriesAsync(deviceId, metrics, metric =>
        {
            var statement = SeriesStatement(PointsSql, deviceId, metric);
            statement.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = range.From });
            statement.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = range.To });
            statement.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = afterBound });
            statement.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
            return statement;
        }, ReadPoint, take, cancellationToken); // Sized once: growing a list of 10,000 copies three large arrays.
    }

    /// <summary>
    /// Per metric (in the order asked), the epoch-aligned buckets of <paramref name="interval"/> that overlap the range
    /// and hold numeric values, ordered by time; whole buckets: the first and last may reach past the range.
    /// Null when the device is unknown.
    /// </summary>
    public Task<IReadOnlyList<BucketRow>[]?> ReadBucketsAsync(
        string deviceId, IReadOnlyList<string> metrics, TimeRange range, TelemetryResolution interval, CancellationToken cancellationToken)
    {
        var width = TelemetryResolutions.Width(interval);
        var (sql, mergesRows) = BucketSql(interval);
        var expected = (int)Math.Min(ResolutionPolicy.BucketCount(range, width), TelemetryRules.MaxBuckets);
        return ReadSeriesAsync(deviceId, metrics, metric =>
        {
            var statement = SeriesStatement(sql, deviceId, metric);
            statement.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = ResolutionPolicy.BucketStart(range.From, width) });
            statement.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = range.To });
            if (mergesRows)
            {
                statement.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = width, NpgsqlDbType = NpgsqlDbType.Interval });
            }

            return statement;
        }, ReadBucket, expected, cancellationToken);
    }

    /// <summary>The device's key, or null when the device is unknown.</summary>
    public async Task<long?> FindDeviceKeyAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT key FROM devices WHERE device_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        return await command.ExecuteScalarAsync(cancellationToken) is long key ? key : null;
    }

    public async Task<IReadOnlyList<LatestValueRow>> ReadLatestAsync(long deviceKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT m.name, lv.ts, lv.num_value, lv.bool_value, lv.text_value
            FROM iot_latest_values($1) lv JOIN metrics m ON m.id = lv.metric_id
            ORDER BY m.name
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deviceKey });

        var rows = new List<LatestValueRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadLatestRow(reader, 0));
        }

        return rows;
    }

    /// <summary>The latest value of every series of a page of devices (a fleet list), in one round trip, by device key.</summary>
    public async Task<IReadOnlyDictionary<long, List<LatestValueRow>>> ReadLatestAsync(IReadOnlyList<long> deviceKeys, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<long, List<LatestValueRow>>();
        if (deviceKeys.Count == 0)
        {
            return latest;
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT d.key, m.name, lv.ts, lv.num_value, lv.bool_value, lv.text_value
            FROM unnest($1::bigint[]) d(key) CROSS JOIN LATERAL iot_latest_values(d.key) lv JOIN metrics m ON m.id = lv.metric_id
            ORDER BY d.key, m.name
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deviceKeys.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = reader.GetInt64(0);
            if (!latest.TryGetValue(key, out var rows))
            {
                latest[key] = rows = [];
            }

            rows.Add(ReadLatestRow(reader, 1));
        }

        return latest;
    }

    /// <summary>
    /// 1m and 1h are rollup rows; 5m and 15m merge 1-minute rows, 6h and 1d hourly ones (date_bin from the epoch, the
    /// same alignment the rollups have; $5 is the width). iot_minutes and iot_hours (schema 0005) answer buckets the
    /// rollup job has not computed yet from the finer data, so the answer is exact at any moment.
    /// </summary>
    private static (string Sql, bool MergesRows) BucketSql(TelemetryResolution interval)
    {
        var (source, merge) = interval switch
        {
            TelemetryResolution.OneMinute => ("iot_minutes", false),
            TelemetryResolution.FiveMinutes or TelemetryResolution.FifteenMinutes => ("iot_minutes", true),
            TelemetryResolution.OneHour => ("iot_hours", false),
            TelemetryResolution.SixHours or TelemetryResolution.OneDay => ("iot_hours", true),
            _ => throw new ArgumentOutOfRangeException(nameof(interval), interval, "Raw points are not bucketed."),
        };

        return (merge
            ? $"""
              SELECT date_bin($5::interval, r.bucket, timestamptz 'epoch') AS b, min(r.min_value), max(r.max_value), sum(r.sum_value), sum(r.count)::bigint
              FROM {SeriesFrom(source)}
              WHERE {SeriesWhere}
              GROUP BY b
              ORDER BY b
              """
            : $"""
              SELECT r.bucket, r.min_value, r.max_value, r.sum_value, r.count
              FROM {SeriesFrom(source)}
              WHERE {SeriesWhere}
              ORDER BY r.bucket
              """, merge);
    }

    /// <summary>
    /// The buckets of rollup function <paramref name="source"/> for $1 and $2 over [$3, $4) as r. Columns, not sub-selects,
    /// are its arguments: only then does the planner inline the function.
    /// </summary>
    private static string SeriesFrom(string source) => $"devices d CROSS JOIN metrics m CROSS JOIN LATERAL {source}(d.key, m.id, $3, $4) r";

    /// <summary>
    /// One batch, one round trip: whether the device exists, then one statement per metric, each result read into its
    /// own list. Null when the device is unknown.
    /// </summary>
    private async Task<IReadOnlyList<T>[]?> ReadSeriesAsync<T>(
        string deviceId, IReadOnlyList<string> metrics, Func<string, NpgsqlBatchCommand> statementFor, Func<NpgsqlDataReader, T> readRow,
        int expectedRows, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var device = new NpgsqlBatchCommand(DeviceSql);
        device.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        batch.BatchCommands.Add(device);
        foreach (var metric in metrics)
        {
            batch.BatchCommands.Add(statementFor(metric));
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var results = new IReadOnlyList<T>[metrics.Count];
        for (var i = 0; i < metrics.Count; i++)
        {
            await reader.NextResultAsync(cancellationToken);
            var rows = new List<T>(expectedRows);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(readRow(reader));
            }

            results[i] = rows;
        }

        return results;
    }

    /// <summary>A statement over one series: $1 is the device id, $2 the metric name.</summary>
    private static NpgsqlBatchCommand SeriesStatement(string sql, string deviceId, string metric)
    {
        var statement = new NpgsqlBatchCommand(sql);
        statement.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        statement.Parameters.Add(new NpgsqlParameter<string> { TypedValue = metric });
        return statement;
    }

    /// <summary>name, ts, then the three value columns, from <paramref name="first"/> on.</summary>
    private static LatestValueRow ReadLatestRow(NpgsqlDataReader reader, int first)
    {
        var value = ReadValue(reader, first + 2);
        return new LatestValueRow(reader.GetString(first), new StoredValue(reader.GetDateTime(first + 1), value.Kind switch
        {
            TelemetryValueKind.Number => value.Number,
            TelemetryValueKind.Boolean => value.Boolean,
            _ => value.Text!,
        }));
    }

    private static PointRow ReadPoint(NpgsqlDataReader reader) => new(reader.GetDateTime(0), ReadValue(reader, 1));

    private static BucketRow ReadBucket(NpgsqlDataReader reader) =>
        new(reader.GetDateTime(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt64(4));

    /// <summary>Exactly one of the three value columns starting at <paramref name="first"/> is set (a CHECK constraint).</summary>
    private static TelemetryValue ReadValue(NpgsqlDataReader reader, int first)
    {
        if (!reader.IsDBNull(first))
        {
            return TelemetryValue.FromNumber(reader.GetDouble(first));
        }

        if (!reader.IsDBNull(first + 1))
        {
            return TelemetryValue.FromBoolean(reader.GetBoolean(first + 1));
        }

        return TelemetryValue.FromText(reader.GetString(first + 2));
    }
}
