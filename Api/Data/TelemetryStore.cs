using Npgsql;

namespace IotAspire.Api.Data;

/// <summary>Reads stored telemetry (tables <c>telemetry</c>, <c>latest_values</c>, <c>metrics</c>).</summary>
public sealed class TelemetryStore(NpgsqlDataSource dataSource)
{
    /// <summary>The device's key and the metric's id (null when no device ever sent it); null when the device is unknown.</summary>
    public async Task<SeriesKey?> FindSeriesAsync(string deviceId, string metric, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT d.key, m.id FROM devices d LEFT JOIN metrics m ON m.name = $2 WHERE d.device_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        command.Parameters.Add(new NpgsqlParameter { Value = metric });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SeriesKey(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt32(1));
    }

    /// <summary>Points with <paramref name="from"/> &lt;= ts &lt; <paramref name="to"/> and ts &gt; <paramref name="after"/>, ordered by time.</summary>
    public async Task<IReadOnlyList<StoredValue>> ReadPointsAsync(
        long deviceKey, int metricId, DateTime from, DateTime to, DateTime? after, int take, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT ts, num_value, bool_value, text_value FROM telemetry
            WHERE device_key = $1 AND metric_id = $2 AND ts >= $3 AND ts > $5 AND ts < $4
            ORDER BY ts
            LIMIT $6
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deviceKey });
        command.Parameters.Add(new NpgsqlParameter { Value = metricId });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        // Both bounds are plain range conditions, so the primary key index seeks straight to the page
        // (an "after IS NULL OR" filter would scan every earlier row). One microsecond is Postgres' resolution.
        command.Parameters.Add(new NpgsqlParameter { Value = after ?? from.AddTicks(-TimeSpan.TicksPerMicrosecond) });
        command.Parameters.Add(new NpgsqlParameter { Value = take });

        var points = new List<StoredValue>(Math.Min(take, 1024));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            points.Add(new StoredValue(reader.GetDateTime(0), ReadValue(reader, 1)));
        }

        return points;
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
            FROM latest_values lv JOIN metrics m ON m.id = lv.metric_id
            WHERE lv.device_key = $1
            ORDER BY m.name
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deviceKey });

        var rows = new List<LatestValueRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new LatestValueRow(reader.GetString(0), new StoredValue(reader.GetDateTime(1), ReadValue(reader, 2))));
        }

        return rows;
    }

    /// <summary>Exactly one of the three value columns starting at <paramref name="first"/> is set (a CHECK constraint).</summary>
    private static object ReadValue(NpgsqlDataReader reader, int first)
    {
        if (!reader.IsDBNull(first))
        {
            return reader.GetDouble(first);
        }

        if (!reader.IsDBNull(first + 1))
        {
            return reader.GetBoolean(first + 1);
        }

        return reader.GetString(first + 2);
    }
}
