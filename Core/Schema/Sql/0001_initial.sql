-- Devices: the registry. `key` is the compact internal id that telemetry rows carry;
-- `device_id` is the public id devices and apps use. Credentials live only in the broker
-- (Mosquitto dynamic security keeps a salted PBKDF2 hash), never here.
CREATE TABLE devices (
    key           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id     text        NOT NULL UNIQUE,
    name          text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz,
    revoked_at    timestamptz
);

-- Metric names, interned: a row stores a small int instead of repeating the text.
CREATE TABLE metrics (
    id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name  text NOT NULL UNIQUE
);

-- One row per measured value. Exactly one of the value columns is set.
-- The primary key makes writes idempotent (a redelivered message hits ON CONFLICT DO NOTHING)
-- and serves the main query: one device, one metric, a time range.
CREATE TABLE telemetry (
    device_key  bigint           NOT NULL REFERENCES devices (key),
    metric_id   integer          NOT NULL REFERENCES metrics (id),
    ts          timestamptz      NOT NULL,
    num_value   double precision,
    bool_value  boolean,
    text_value  text,
    PRIMARY KEY (device_key, metric_id, ts),
    CHECK (num_nonnulls(num_value, bool_value, text_value) = 1)
);

-- Latest value per device and metric, for GET /metrics without scanning telemetry.
CREATE TABLE latest_values (
    device_key  bigint           NOT NULL REFERENCES devices (key),
    metric_id   integer          NOT NULL REFERENCES metrics (id),
    ts          timestamptz      NOT NULL,
    num_value   double precision,
    bool_value  boolean,
    text_value  text,
    PRIMARY KEY (device_key, metric_id)
);

-- What the worker could not accept: kept with the reason, so nothing a device sent is lost silently.
CREATE TABLE dead_letters (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    topic         text        NOT NULL,
    device_id     text,
    reason        text        NOT NULL,
    payload_size  integer     NOT NULL,
    payload       bytea       NOT NULL   -- the payload, or its first bytes when it is large
);
CREATE INDEX dead_letters_device_time ON dead_letters (device_id, received_at);
