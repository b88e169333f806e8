-- Telemetry laid out for time series (issue: telemetry that stays fast at scale).
--
-- * telemetry is partitioned by day (UTC). Partitions are created on demand by the writer
--   (iot_ensure_partition) and ahead of time by the maintenance job; retention drops whole partitions.
-- * telemetry_1m / telemetry_1h hold rollups of numeric values (min, max, sum, count, first/last time),
--   maintained in the same transaction as the raw rows they summarize, from the rows actually inserted,
--   so redelivered duplicates are never counted twice. Partitioned by month (UTC).
-- * No foreign keys on these tables: the writer resolves device and metric ids itself, and a per-row
--   FK check would cost more than the insert. The primary keys serve the queries and make writes idempotent.

-- Creates the partition of `parent` that holds `at`, if it does not exist yet; returns its name.
-- `unit` is 'day' or 'month'. Safe under concurrency (an advisory lock per partition name).
CREATE FUNCTION iot_ensure_partition(parent text, unit text, at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lower_bound timestamptz := date_trunc(unit, at, 'UTC');
    upper_bound timestamptz := lower_bound + ('1 ' || unit)::interval;
    name text := parent || '_p' || to_char(lower_bound AT TIME ZONE 'UTC', CASE unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
BEGIN
    IF unit NOT IN ('day', 'month') THEN
        RAISE EXCEPTION 'unit must be day or month, not %', unit;
    END IF;
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('iot_partition:' || name));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lower_bound, upper_bound);
    END IF;
    RETURN name;
END $$;

-- Partitions of a parent whose whole range ends at or before `before`, oldest first.
CREATE FUNCTION iot_partitions_before(parent text, before timestamptz)
RETURNS TABLE (partition_name text, range_end timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = parent::regclass
      AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz <= before
    ORDER BY 2
$$;

ALTER TABLE telemetry RENAME TO telemetry_unpartitioned;
ALTER TABLE telemetry_unpartitioned RENAME CONSTRAINT telemetry_pkey TO telemetry_unpartitioned_pkey;

CREATE TABLE telemetry (
    device_key  bigint           NOT NULL,
    metric_id   integer          NOT NULL,
    ts          timestamptz      NOT NULL,
    num_value   double precision,
    bool_value  boolean,
    text_value  text,
    PRIMARY KEY (device_key, metric_id, ts),
    CHECK (num_nonnulls(num_value, bool_value, text_value) = 1)
) PARTITION BY RANGE (ts);

CREATE TABLE telemetry_1m (
    device_key  bigint           NOT NULL,
    metric_id   integer          NOT NULL,
    bucket      timestamptz      NOT NULL,
    min_value   double precision NOT NULL,
    max_value   double precision NOT NULL,
    sum_value   double precision NOT NULL,
    count       bigint           NOT NULL,
    first_ts    timestamptz      NOT NULL,
    last_ts     timestamptz      NOT NULL,
    PRIMARY KEY (device_key, metric_id, bucket)
) PARTITION BY RANGE (bucket);

CREATE TABLE telemetry_1h (LIKE telemetry_1m INCLUDING ALL) PARTITION BY RANGE (bucket);

-- Carry over what the first schema stored (a development database), rollups included.
DO $$
DECLARE
    day timestamptz;
BEGIN
    FOR day IN SELECT DISTINCT date_trunc('day', ts, 'UTC') FROM telemetry_unpartitioned LOOP
        PERFORM iot_ensure_partition('telemetry', 'day', day);
        PERFORM iot_ensure_partition('telemetry_1m', 'month', day);
        PERFORM iot_ensure_partition('telemetry_1h', 'month', day);
    END LOOP;
END $$;

INSERT INTO telemetry SELECT device_key, metric_id, ts, num_value, bool_value, text_value FROM telemetry_unpartitioned;

INSERT INTO telemetry_1m (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
SELECT device_key, metric_id, date_bin('1 minute', ts, 'epoch'), min(num_value), max(num_value), sum(num_value), count(*), min(ts), max(ts)
FROM telemetry WHERE num_value IS NOT NULL GROUP BY 1, 2, 3;

INSERT INTO telemetry_1h (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
SELECT device_key, metric_id, date_bin('1 hour', ts, 'epoch'), min(num_value), max(num_value), sum(num_value), count(*), min(ts), max(ts)
FROM telemetry WHERE num_value IS NOT NULL GROUP BY 1, 2, 3;

DROP TABLE telemetry_unpartitioned;

-- How far each exporter (the Archiver) has safely exported; raw retention never drops past it.
CREATE TABLE archive_watermarks (
    name            text PRIMARY KEY,
    exported_until  timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
