namespace IotAspire.Core.Telemetry;

/// <summary>
/// The one owner of <c>latest_values</c>: every statement that writes it is here, and this is why each must exist.
/// <para>
/// The table holds, for every series (device, metric), a value at most about a minute old; <c>iot_latest_values</c>
/// (schema 0007) adds what is newer from the raw rows, so readers are exact at any moment. Rewriting a row per series
/// in every batch was the largest statement after the raw COPY (bench/README.md), so the rows move in three steps, each
/// of which the others cannot do:
/// </para>
/// <list type="number">
/// <item><see cref="InsertFirstSeen"/> (the worker's batch): a series seen for the first time gets its row at once, or
/// readers would not know it exists (they start from this table). Later batches skip series they know.</item>
/// <item><see cref="MoveToClosedMinute"/> (the rollup job, per closed minute): moves each series to its last point of
/// that minute, so the readers' probe of the raw rows stays within the newest minute or so.</item>
/// <item><see cref="FoldRawDay"/> (retention, before it drops a raw day): the day's last points are folded in, since the
/// probe cannot find them in the raw rows once the day is gone.</item>
/// </list>
/// Each write keeps the newer value only (<c>ts</c> compared), so their order does not matter.
/// </summary>
public static class LatestValues
{
    /// <summary>Parameters: device keys, metric ids, times, numbers, booleans, texts (arrays of one row each).</summary>
    public const string InsertFirstSeen = """
        INSERT INTO latest_values AS l (device_key, metric_id, ts, num_value, bool_value, text_value)
        SELECT * FROM unnest($1::bigint[], $2::integer[], $3::timestamptz[], $4::float8[], $5::boolean[], $6::text[])
        ON CONFLICT (device_key, metric_id) DO UPDATE
        SET ts = excluded.ts, num_value = excluded.num_value, bool_value = excluded.bool_value, text_value = excluded.text_value
        WHERE l.ts < excluded.ts
        """;

    /// <summary>Parameter: the closed minute's start. The work is in the schema's function (0007): one statement per minute.</summary>
    public const string MoveToClosedMinute = "SELECT iot_latest_from_minute($1)";

    /// <summary>The last points of the raw day partition <paramref name="quotedPartition"/> (locked) that are newer than what is stored.</summary>
    public static string FoldRawDay(string quotedPartition) => $"""
        UPDATE latest_values l SET ts = n.ts, num_value = n.num_value, bool_value = n.bool_value, text_value = n.text_value
        FROM latest_values s
        CROSS JOIN LATERAL (
            SELECT t.ts, t.num_value, t.bool_value, t.text_value FROM {quotedPartition} t
            WHERE t.device_key = s.device_key AND t.metric_id = s.metric_id AND t.ts > s.ts
            ORDER BY t.ts DESC
            LIMIT 1) n
        WHERE l.device_key = s.device_key AND l.metric_id = s.metric_id
        """;
}
