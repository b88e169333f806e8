-- Latest values no longer rewritten by every batch.
--
-- The latest-value upsert rewrote one row per series in every batch, the largest statement after the raw COPY
-- (bench/README.md). Now latest_values holds every series of a device with a value that is at most about a minute
-- old: the worker inserts a series the first time it sees it, the rollup job moves it to the last point of each closed
-- minute, and retention folds in the last points of a raw day before dropping it. Readers add what is newer from the
-- raw rows: iot_latest_values is exact at any moment, whatever the job has done.

-- The latest value of every series of a device, in no particular order. The newer raw row, if any, is found from the
-- newest partition down, stopping at the first row: usually one index probe into today's partition.
CREATE FUNCTION iot_latest_values(device bigint)
RETURNS TABLE (metric_id integer, ts timestamptz, num_value float8, bool_value boolean, text_value text)
LANGUAGE sql STABLE AS $$
    SELECT lv.metric_id,
           coalesce(n.ts, lv.ts),
           CASE WHEN n.ts IS NULL THEN lv.num_value ELSE n.num_value END,
           CASE WHEN n.ts IS NULL THEN lv.bool_value ELSE n.bool_value END,
           CASE WHEN n.ts IS NULL THEN lv.text_value ELSE n.text_value END
    FROM latest_values lv
    LEFT JOIN LATERAL (
        SELECT t.ts, t.num_value, t.bool_value, t.text_value FROM telemetry t
        WHERE t.device_key = lv.device_key AND t.metric_id = lv.metric_id AND t.ts > lv.ts
        ORDER BY t.ts DESC
        LIMIT 1) n ON true
    WHERE lv.device_key = device
$$;

-- Moves each series of a closed minute to its last point there, if that is newer than what is stored: the numeric ones
-- through the minute's rollups (their last_ts), the others from the minute's raw rows. Returns the rows changed.
CREATE FUNCTION iot_latest_from_minute(minute timestamptz) RETURNS bigint
LANGUAGE sql AS $$
    WITH last_points AS (
        SELECT t.device_key, t.metric_id, t.ts, t.num_value, t.bool_value, t.text_value
        FROM telemetry_1m r
        JOIN telemetry t ON t.device_key = r.device_key AND t.metric_id = r.metric_id AND t.ts = r.last_ts
        WHERE r.bucket = minute AND t.ts >= minute AND t.ts < minute + interval '1 minute'
        UNION ALL
        (SELECT DISTINCT ON (t.device_key, t.metric_id) t.device_key, t.metric_id, t.ts, t.num_value, t.bool_value, t.text_value
         FROM telemetry t
         WHERE t.ts >= minute AND t.ts < minute + interval '1 minute' AND t.num_value IS NULL
         ORDER BY t.device_key, t.metric_id, t.ts DESC)
    ), written AS (
        INSERT INTO latest_values AS l (device_key, metric_id, ts, num_value, bool_value, text_value)
        SELECT DISTINCT ON (device_key, metric_id) * FROM last_points ORDER BY device_key, metric_id, ts DESC
        ON CONFLICT (device_key, metric_id) DO UPDATE
        SET ts = excluded.ts, num_value = excluded.num_value, bool_value = excluded.bool_value, text_value = excluded.text_value
        WHERE l.ts < excluded.ts
        RETURNING 1
    )
    SELECT count(*) FROM written
$$;
