#!/bin/sh
# The official postgres image's entrypoint, as much of it as Aspire and the manifest use: POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_DB, POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD, PGDATA and /docker-entrypoint-initdb.d (*.sh, *.sql).
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"

if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
shift || true

# PostgreSQL refuses to run as root: own the data folder, then drop to user postgres.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$(dirname "$PGDATA")" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" >"$pwfile"
  # shellcheck disable=SC2086 # the arguments are a list, as in the official image
  initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" ${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"

  # Set up on the socket only, as the official image does, so nobody connects before it is done.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start >/dev/null
  export PGPASSWORD="$POSTGRES_PASSWORD" PGHOST=/var/run/postgresql PGUSER="$user"
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -d postgres -q -c "CREATE DATABASE \"$db\"" >/dev/null
  fi
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
      *.sh) echo "postgres: running $file"; . "$file" ;;
      *.sql) echo "postgres: running $file"; psql -v ON_ERROR_STOP=1 -d "$db" -q -f "$file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset PGPASSWORD
  echo "postgres: initialized $PGDATA"
fi

# docker stop sends SIGTERM (an import cannot set STOPSIGNAL): ask for a fast shutdown, not a smart one.
postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql "$@" &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null' TERM INT
wait "$pid" || wait "$pid"
