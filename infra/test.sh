#!/usr/bin/env bash
# Runs every test: installs what is missing, starts the real peers on loopback with data in a
# temporary folder, runs `dotnet test` on the solution, stops the peers by their PIDs, and exits
# non-zero on any failure. Extra arguments go to `dotnet test` (e.g. --filter).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v busybox >/dev/null || [ -x /bin/busybox ] || need+=(busybox-static)
command -v mosquitto >/dev/null || need+=(mosquitto mosquitto-clients)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v rauc >/dev/null || need+=(rauc)
command -v mksquashfs >/dev/null || need+=(squashfs-tools)
command -v dbus-daemon >/dev/null || need+=(dbus)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || { echo "apt-get install failed" >&2; exit 1; }
fi

PEERS_DIR=$(mktemp -d /tmp/fleet-peers.XXXXXX)
cleanup() { "$ROOT/infra/peers/stop-all.sh" "$PEERS_DIR"; rm -rf "$PEERS_DIR" 2>/dev/null || true; }
trap cleanup EXIT
"$ROOT/infra/peers/start-all.sh" "$PEERS_DIR" || { echo "peers failed to start" >&2; exit 1; }
source "$PEERS_DIR/peers.env"
export FLEET_PEERS_DIR="$PEERS_DIR"
# SIGKILL rounds of the durable kill test (tests/Durable.Tests/KillTests.cs): 10 in CI, FLEET_KILL_ROUNDS=20 on demand.
export FLEET_KILL_ROUNDS="${FLEET_KILL_ROUNDS:-10}"

LOG="$PEERS_DIR/dotnet-test.log"
dotnet test "$ROOT/Functions.sln" --nologo --blame-hang-timeout 5m "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}

# One closing line for the whole run, summed over the test assemblies.
passed=$(grep -oE 'Passed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
echo
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$failed" -gt 0 ]; then status=1; fi
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then echo "no test ran" >&2; status=1; fi
exit "$status"
