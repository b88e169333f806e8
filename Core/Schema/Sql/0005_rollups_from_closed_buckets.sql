-- Rollups computed once per closed bucket instead of upserted by every batch.
--
-- Upserting the 1-minute and 1-hour rows of every series in every batch was most of the database's work at load
-- (bench/README.md: without those upserts the ingest benchmark committed twice the points). Now a batch only marks
-- the minutes and hours it wrote into as pending (one row each, usually two per batch). The worker's rollup job
-- computes a pending minute from the raw rows once it has closed, and a pending hour from its minutes, replacing
-- what was stored; both are idempotent, so late and redelivered points simply mark their bucket pending again.
--
-- Readers never see a stale rollup: iot_minutes and iot_hours serve a pending bucket from the finer data instead
-- (raw rows for a minute, minutes for an hour), in the same snapshot as the pending marks.

CREATE TABLE telemetry_pending (
    width    interval    NOT NULL CHECK (width IN (interval '1 minute', interval '1 hour')),
    bucket   timestamptz NOT NULL,
    -- Raised by every batch that marks the bucket again; the job clears a mark only if it is unchanged since it
    -- read it, so points committed while the job computed the bucket are never left out.
    version  bigint      NOT NULL DEFAULT 1,
    PRIMARY KEY (width, bucket)
) WITH (fillfactor = 50);

-- Raw days that retention dropped (the start of each day). Their rollups are final: recomputing a minute from the raw
-- rows left would lose what was dropped. A late point into such a day is stored raw, until retention drops the day
-- again, and is not rolled up; batches do not mark its buckets.
CREATE TABLE telemetry_raw_dropped (
    day  timestamptz PRIMARY KEY
);

-- The job reads a closed minute's raw rows, and an hour's minute rows, by time across all series; the primary keys
-- lead with the device. BRIN indexes are tiny and nearly free to maintain on rows that arrive in time order.
CREATE INDEX telemetry_ts_brin ON telemetry USING brin (ts);
CREATE INDEX telemetry_1m_bucket_brin ON telemetry_1m USING brin (bucket);

-- The 1-minute buckets of one series with from_bucket <= bucket < to_bucket, in no particular order.
CREATE FUNCTION iot_minutes(device bigint, metric integer, from_bucket timestamptz, to_bucket timestamptz)
RETURNS TABLE (bucket timestamptz, min_value float8, max_value float8, sum_value float8, count bigint, first_ts timestamptz, last_ts timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT r.bucket, r.min_value, r.max_value, r.sum_value, r.count, r.first_ts, r.last_ts
    FROM telemetry_1m r
    WHERE r.device_key = device AND r.metric_id = metric AND r.bucket >= from_bucket AND r.bucket < to_bucket
      AND NOT EXISTS (SELECT 1 FROM telemetry_pending p WHERE p.width = interval '1 minute' AND p.bucket = r.bucket)
    UNION ALL
    SELECT p.bucket, min(t.num_value), max(t.num_value), sum(t.num_value), count(*), min(t.ts), max(t.ts)
    FROM telemetry_pending p
    JOIN telemetry t ON t.device_key = device AND t.metric_id = metric AND t.ts >= p.bucket AND t.ts < p.bucket + interval '1 minute'
    WHERE p.width = interval '1 minute' AND p.bucket >= from_bucket AND p.bucket < to_bucket AND t.num_value IS NOT NULL
    GROUP BY p.bucket
$$;

-- The 1-hour buckets of one series with from_bucket <= bucket < to_bucket, in no particular order.
CREATE FUNCTION iot_hours(device bigint, metric integer, from_bucket timestamptz, to_bucket timestamptz)
RETURNS TABLE (bucket timestamptz, min_value float8, max_value float8, sum_value float8, count bigint, first_ts timestamptz, last_ts timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT r.bucket, r.min_value, r.max_value, r.sum_value, r.count, r.first_ts, r.last_ts
    FROM telemetry_1h r
    WHERE r.device_key = device AND r.metric_id = metric AND r.bucket >= from_bucket AND r.bucket < to_bucket
      AND NOT EXISTS (SELECT 1 FROM telemetry_pending p WHERE p.width = interval '1 hour' AND p.bucket = r.bucket)
    UNION ALL
    SELECT p.bucket, min(m.min_value), max(m.max_value), sum(m.sum_value), sum(m.count)::bigint, min(m.first_ts), max(m.last_ts)
    FROM telemetry_pending p
    CROSS JOIN LATERAL iot_minutes(device, metric, p.bucket, p.bucket + interval '1 hour') m
    WHERE p.width = interval '1 hour' AND p.bucket >= from_bucket AND p.bucket < to_bucket
    GROUP BY p.bucket
$$;

-- Replaces the stored 1-minute rollups of one minute with what its raw rows give; nothing in a dropped raw day.
CREATE FUNCTION iot_rollup_minute(minute timestamptz) RETURNS bigint
LANGUAGE sql AS $$
    WITH written AS (
        INSERT INTO telemetry_1m AS r (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
        SELECT device_key, metric_id, minute, min(num_value), max(num_value), sum(num_value), count(*), min(ts), max(ts)
        FROM telemetry
        WHERE ts >= minute AND ts < minute + interval '1 minute' AND num_value IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM telemetry_raw_dropped d WHERE d.day = date_trunc('day', minute, 'UTC'))
        GROUP BY device_key, metric_id
        ORDER BY device_key, metric_id
        ON CONFLICT (device_key, metric_id, bucket) DO UPDATE SET
            min_value = excluded.min_value, max_value = excluded.max_value, sum_value = excluded.sum_value,
            count = excluded.count, first_ts = excluded.first_ts, last_ts = excluded.last_ts
        RETURNING 1
    )
    SELECT count(*) FROM written
$$;

-- Replaces the stored 1-hour rollups of one hour with what its 1-minute rollups give.
CREATE FUNCTION iot_rollup_hour(hour timestamptz) RETURNS bigint
LANGUAGE sql AS $$
    WITH written AS (
        INSERT INTO telemetry_1h AS r (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
        SELECT device_key, metric_id, hour, min(min_value), max(max_value), sum(sum_value), sum(count), min(first_ts), max(last_ts)
        FROM telemetry_1m
        WHERE bucket >= hour AND bucket < hour + interval '1 hour'
        GROUP BY device_key, metric_id
        ORDER BY device_key, metric_id
        ON CONFLICT (device_key, metric_id, bucket) DO UPDATE SET
            min_value = excluded.min_value, max_value = excluded.max_value, sum_value = excluded.sum_value,
            count = excluded.count, first_ts = excluded.first_ts, last_ts = excluded.last_ts
        RETURNING 1
    )
    SELECT count(*) FROM written
$$;
