#!/usr/bin/env bash
# Installs the OS packages the executables mode uses, only when missing; with --tests also what only the tests use.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v jq >/dev/null 2>&1 || missing+=(jq)  # the README's token examples
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# The broker's start gate is a small plugin built from source at its first start (AppHost/infra/gate).
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -f /usr/include/mosquitto_broker.h ] || missing+=(mosquitto-dev)
[ -f /usr/include/mosquitto.h ] || missing+=(libmosquitto-dev)
if [ "${1:-}" = "--tests" ]; then
  # The browser tests drive the system's Chromium through Playwright (no browser download).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # The hub tests also connect with the JavaScript SignalR client (@microsoft/signalr from npm) run by node.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian packages start their own services; ours run on other ports, but free the demo's MQTT port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  echo "Stopping the system mosquitto service (it holds port 1883)"
  systemctl stop mosquitto || true
fi
