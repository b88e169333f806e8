#!/usr/bin/env bash
# Runs the OS's PostgreSQL for the executables mode. Env: PG_PORT, PG_DATA_DIR, PG_PASSWORD.
# Creates the cluster on first use; PostgreSQL refuses to run as root, so it drops to user postgres.
set -euo pipefail

bin_dir=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi

mkdir -p "$PG_DATA_DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA_DIR" && chmod 700 "$PG_DATA_DIR"

if [ ! -f "$PG_DATA_DIR/PG_VERSION" ]; then
  pwfile=$(mktemp)
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$PG_PASSWORD" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  "${as_postgres[@]}" "$bin_dir/initdb" -D "$PG_DATA_DIR" -U postgres --pwfile="$pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --no-locale >/dev/null
  rm -f "$pwfile"
  echo "postgres: initialized a new cluster in $PG_DATA_DIR"
fi

# SIGTERM would ask PostgreSQL for a "smart" shutdown that waits for every client; ask for a fast one.
"${as_postgres[@]}" "$bin_dir/postgres" -D "$PG_DATA_DIR" -p "$PG_PORT" \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
  -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB \
  -c logging_collector=off -c log_min_messages=warning &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null' TERM INT
wait "$pid" || wait "$pid"
