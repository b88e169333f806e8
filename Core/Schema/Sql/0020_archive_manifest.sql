-- The Archiver's manifest (issue 14): which Parquet parts hold which raw telemetry, and how much of each day they cover.
--
-- A part is committed by its row here, inserted in the same transaction that advances its day's coverage and the
-- watermark; a file without a row is not part of the archive (the Archiver adopts or removes it at start).
-- Raw rows are insert-only and unique per (device, metric, ts), so "covered_rows = rows of the day's partition" means
-- every row of it is in a verified part; retention drops a raw day only then (and resets the count with the drop).

-- Which archive this database owns: files written for another database are never adopted or removed.
CREATE TABLE archive_instance (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    singleton   boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
);
INSERT INTO archive_instance DEFAULT VALUES;

CREATE TABLE archive_days (
    day           date        PRIMARY KEY,
    -- Rows of the day's current raw partition that the parts hold (0 after retention dropped it).
    covered_rows  bigint      NOT NULL DEFAULT 0,
    next_part     integer     NOT NULL DEFAULT 0,
    parts         integer     NOT NULL DEFAULT 0,
    rows          bigint      NOT NULL DEFAULT 0,
    bytes         bigint      NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE archive_parts (
    day             date        NOT NULL REFERENCES archive_days (day),
    part            integer     NOT NULL,
    path            text        NOT NULL UNIQUE,   -- relative to the archive root: telemetry/date=YYYY-MM-DD/part-NNNNN.parquet
    rows            bigint      NOT NULL,
    bytes           bigint      NOT NULL,
    checksum        text        NOT NULL,          -- XxHash3 of the rows in file order, computed from the database's stream
    min_ts          timestamptz NOT NULL,
    max_ts          timestamptz NOT NULL,
    verified        boolean     NOT NULL,
    run_id          uuid        NOT NULL,
    schema_version  integer     NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, part)
);

-- The Archiver's last outcome, for GET /api/archive/status.
CREATE TABLE archive_status (
    name             text PRIMARY KEY,
    last_run_at      timestamptz,
    last_success_at  timestamptz,
    last_error       text,
    last_error_at    timestamptz,
    -- How far the watermark was behind the newest closed day (0: caught up), as the Archiver last saw it.
    lag_seconds      bigint
);
