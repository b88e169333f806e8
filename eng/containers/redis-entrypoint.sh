#!/bin/sh
# The official redis image listens on every interface without protected mode; Debian's binary defaults differ.
# Installed as /usr/local/bin/redis-server too, ahead of /usr/bin on PATH, so "sh -c 'redis-server ...'" gets the same.
if [ "${1:-}" = redis-server ]; then shift; fi
exec /usr/bin/redis-server "$@" --protected-mode no
