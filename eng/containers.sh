#!/usr/bin/env bash
# A private Docker engine for the containers mode and the manifest run, with images made offline from Debian's archive.
#
#   eng/containers.sh up      install the engine (apt), start it and a local registry, build the images (cached)
#   eng/containers.sh build   build the images again, even those that exist (the engine must be up)
#   eng/containers.sh down    stop the engine and the registry; plain `docker info` fails again afterwards
#   eng/containers.sh env     print DOCKER_HOST=... for this engine
#
# The daemon listens only on $IOTASPIRE_DOCKER_DIR/docker.sock, never on /var/run/docker.sock: a daemon there would
# switch every AppHost on the machine (Infra:Mode=auto) to containers. Give DOCKER_HOST to one AppHost only.
# It runs with --iptables=false --ip-forward=false: with the defaults dockerd sets the FORWARD policy to DROP and
# leaves it behind. Published ports still work through docker-proxy on 127.0.0.1.
#
# Images, tagged with the names the AppHost and its manifest use (no registry is reachable here):
#   docker.io/library/postgres:18.3, docker.io/library/redis:8.6, docker.io/library/eclipse-mosquitto:2
#     one Debian trixie root (PostgreSQL 17, Redis 8.0, Mosquitto 2.0) with small entrypoints that honour what Aspire
#     sets; the broker image carries the iotaspire plugin (start gate and telemetry journal) prebuilt.
#   127.0.0.1:$IOTASPIRE_REGISTRY_PORT/dotnet-base:latest
#     the base of the .NET services' images (dotnet publish -t:PublishContainer, self-contained): it must come from a
#     registry, so the local one serves it.
set -euo pipefail

root="${IOTASPIRE_DOCKER_DIR:-/var/tmp/iotaspire-docker}"
registry_port="${IOTASPIRE_REGISTRY_PORT:-5500}"
suite="${IOTASPIRE_DEBIAN_SUITE:-trixie}"
socket="$root/docker.sock"
here="$(cd "$(dirname "$0")" && pwd)"
infra="$here/../AppHost/infra"
export DOCKER_HOST="unix://$socket"

postgres_image=docker.io/library/postgres:18.3
redis_image=docker.io/library/redis:8.6
mosquitto_image=docker.io/library/eclipse-mosquitto:2
base_image="127.0.0.1:$registry_port/dotnet-base:latest"

log() { echo "containers: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
  [ -f /usr/include/mosquitto_broker.h ] || missing+=(mosquitto-dev libmosquitto-dev)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  # The packages would start their own services (dockerd on /var/run/docker.sock, a registry on :5000): forbid it.
  local policy=/usr/sbin/policy-rc.d added=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    added=1
  fi
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$added" ] && as_root rm -f "$policy"
  return 0
}

wait_for() { # what, seconds, command...
  local what="$1" seconds="$2"
  shift 2
  for _ in $(seq $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "$what did not come up within $seconds s"
  return 1
}

start_engine() {
  as_root mkdir -p "$root/data" "$root/exec" "$root/registry"
  if docker info >/dev/null 2>&1; then
    log "engine already running on $socket"
  else
    log "starting dockerd on $socket"
    as_root sh -c "nohup dockerd -H '$DOCKER_HOST' --data-root '$root/data' --exec-root '$root/exec' \
      --pidfile '$root/dockerd.pid' --iptables=false --ip-forward=false --ip-masq=false \
      --storage-driver overlay2 >'$root/dockerd.log' 2>&1 &"
    wait_for "dockerd (log: $root/dockerd.log)" 60 docker info
  fi

  if curl -fsS "http://127.0.0.1:$registry_port/v2/" >/dev/null 2>&1; then
    return
  fi
  cat >"$root/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $root/registry
http:
  addr: 127.0.0.1:$registry_port
YML
  log "starting the registry on 127.0.0.1:$registry_port"
  nohup docker-registry serve "$root/registry.yml" >"$root/registry.log" 2>&1 &
  echo $! >"$root/registry.pid"
  wait_for "the registry (log: $root/registry.log)" 30 curl -fsS "http://127.0.0.1:$registry_port/v2/"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# One root for the three servers: small entrypoints in /usr/local/bin and the broker plugin in /usr/lib/mosquitto.
build_services_root() {
  local tar="$root/services-$suite.tar" files
  [ -f "$tar" ] && return
  files="$(mktemp -d)"
  cp "$here/containers/"*.sh "$files/"
  # Built against this machine's Mosquitto 2.0 headers: the plugin interface (version 5) is the same across 2.0.x.
  cc -O2 -Wall -shared -fPIC -o "$files/iotaspire.so" "$infra/plugin/iotaspire.c"
  log "mmdebstrap $suite: PostgreSQL, Redis, Mosquitto (about a minute)"
  as_root mmdebstrap --quiet --variant=minbase --include=postgresql-17,redis-server,mosquitto,ca-certificates \
    --customize-hook="copy-in $files/postgres-entrypoint.sh $files/redis-entrypoint.sh /usr/local/bin/" \
    --customize-hook="mkdir -p \"\$1/usr/lib/mosquitto\"" \
    --customize-hook="copy-in $files/iotaspire.so /usr/lib/mosquitto/" \
    --customize-hook="chroot \"\$1\" sh -c 'chmod 755 /usr/local/bin/*.sh; cp /usr/local/bin/redis-entrypoint.sh /usr/local/bin/redis-server; mkdir -p /mosquitto/data /mosquitto/config /mosquitto/log /data /var/run/postgresql; chown -R mosquitto /mosquitto; chown postgres /var/run/postgresql'" \
    --customize-hook="rm -rf \"\$1\"/var/cache/apt/archives/*.deb \"\$1\"/var/lib/apt/lists/*" \
    "$suite" "${tar%.tar}.part.tar"
  as_root mv "${tar%.tar}.part.tar" "$tar"
  rm -rf "$files"
}

build_base_root() {
  local tar="$root/dotnet-base-$suite.tar"
  [ -f "$tar" ] && return
  log "mmdebstrap $suite: the .NET base (ICU, OpenSSL, tzdata)"
  as_root mmdebstrap --quiet --variant=minbase --include=ca-certificates,libicu76,libssl3t64,tzdata,zlib1g \
    --customize-hook="chroot \"\$1\" sh -c 'groupadd -g 1654 app && useradd -u 1654 -g app -d /app -M app && mkdir -p /app'" \
    --customize-hook="rm -rf \"\$1\"/var/cache/apt/archives/*.deb \"\$1\"/var/lib/apt/lists/*" \
    "$suite" "${tar%.tar}.part.tar"
  as_root mv "${tar%.tar}.part.tar" "$tar"
}

import() { # image tar changes...
  local image="$1" tar="$2"
  shift 2
  local changes=()
  for change in "$@"; do changes+=(-c "$change"); done
  as_root cat "$tar" | docker import "${changes[@]}" - "$image" >/dev/null
  log "imported $image"
}

build_images() { # force
  local force="${1:-}"
  if [ -n "$force" ] || ! image_exists "$postgres_image" || ! image_exists "$redis_image" || ! image_exists "$mosquitto_image"; then
    [ -n "$force" ] && as_root rm -f "$root/services-$suite.tar"
    build_services_root
    local tar="$root/services-$suite.tar"
    import "$postgres_image" "$tar" 'ENV PGDATA=/var/lib/postgresql/18/docker' 'ENV PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' 'CMD ["postgres"]' 'EXPOSE 5432'
    import "$redis_image" "$tar" 'WORKDIR /data' 'ENTRYPOINT ["/usr/local/bin/redis-entrypoint.sh"]' 'CMD ["redis-server"]' 'EXPOSE 6379'
    import "$mosquitto_image" "$tar" 'WORKDIR /mosquitto' 'CMD ["mosquitto", "-c", "/etc/mosquitto/mosquitto.conf"]' 'EXPOSE 1883'
  fi
  if [ -n "$force" ] || ! curl -fsS "http://127.0.0.1:$registry_port/v2/dotnet-base/manifests/latest" \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null 2>&1; then
    [ -n "$force" ] && as_root rm -f "$root/dotnet-base-$suite.tar"
    build_base_root
    import "$base_image" "$root/dotnet-base-$suite.tar" 'USER 1654' 'WORKDIR /app' 'ENV ASPNETCORE_HTTP_PORTS=8080' \
      'ENV DOTNET_RUNNING_IN_CONTAINER=true' 'EXPOSE 8080'
    docker push "$base_image" >/dev/null
    log "pushed $base_image"
  fi
  # A rebuild leaves the previous images untagged.
  docker image prune -f >/dev/null
}

stop_pid() { # pidfile seconds
  local file="$1" seconds="$2" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq $((seconds * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$file"
}

down() {
  if docker info >/dev/null 2>&1; then
    # Containers first, while the daemon can still stop them cleanly.
    local running
    running="$(docker ps -q)"
    [ -n "$running" ] && docker stop -t 10 $running >/dev/null
  fi
  local ours=""
  [ -f "$root/dockerd.pid" ] && ours=1
  stop_pid "$root/registry.pid" 10
  stop_pid "$root/dockerd.pid" 30
  # The bridge outlives the daemon; leave it to any other daemon that still runs.
  if ip link show docker0 >/dev/null 2>&1 && ! pgrep -x dockerd >/dev/null; then as_root ip link del docker0; fi
  # The daemon's own containerd leaves its state behind.
  [ -n "$ours" ] && as_root rm -rf /run/containerd
  as_root rm -rf "$root/exec"
  rm -f "$socket"
  if docker info >/dev/null 2>&1 || env -u DOCKER_HOST docker info >/dev/null 2>&1; then
    log "a Docker daemon still answers"
    return 1
  fi
  log "engine stopped; plain 'docker info' fails again"
}

case "${1:-}" in
  up)
    started=$(date +%s)
    install_packages
    start_engine
    build_images
    log "ready in $(($(date +%s) - started)) s; use DOCKER_HOST=$DOCKER_HOST (one AppHost only)"
    ;;
  build)
    start_engine
    build_images force
    ;;
  down) down ;;
  env) echo "DOCKER_HOST=$DOCKER_HOST" ;;
  *)
    echo "usage: $0 up|build|down|env" >&2
    exit 2
    ;;
esac
