-- Presence history (issue 4). The live state is in Redis (presence:{id}); PostgreSQL keeps when each device last
-- connected and disconnected, written by the worker from the device's retained status and its Last Will.
-- last_seen stays: the time of the last message of any kind.
ALTER TABLE devices
    ADD COLUMN IF NOT EXISTS last_connected    timestamptz,
    ADD COLUMN IF NOT EXISTS last_disconnected timestamptz;
