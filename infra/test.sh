#!/usr/bin/env bash
# Runs every test: installs what is missing, starts the real peers on loopback with data in a
# temporary folder, runs `dotnet test` on the solution, then the Kubernetes tests (Category=Kubernetes)
# again against the standalone emulator process through FLEET_TEST_KUBECONFIG alone, stops the peers
# and the emulator by their PIDs, and exits non-zero on any failure. Extra arguments go to `dotnet test`
# (e.g. --filter, which the second run narrows to its Kubernetes tests).
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
command -v kcat >/dev/null || need+=(kcat)
command -v crit >/dev/null || need+=(criu)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || { echo "apt-get install failed" >&2; exit 1; }
fi

# A focused run (--filter) skips the API contract step below.
FOCUSED=0
case " $* " in *" --filter"*) FOCUSED=1 ;; esac

PEERS_DIR=$(mktemp -d /tmp/fleet-peers.XXXXXX)
EMULATOR_PID=
cleanup() {
  [ -n "$EMULATOR_PID" ] && kill "$EMULATOR_PID" 2>/dev/null && wait "$EMULATOR_PID" 2>/dev/null
  "$ROOT/infra/peers/stop-all.sh" "$PEERS_DIR"; rm -rf "$PEERS_DIR" 2>/dev/null || true
}
trap cleanup EXIT
"$ROOT/infra/peers/start-all.sh" "$PEERS_DIR" || { echo "peers failed to start" >&2; exit 1; }
source "$PEERS_DIR/peers.env"
export FLEET_PEERS_DIR="$PEERS_DIR"
# SIGKILL rounds of the durable kill test (tests/Durable.Tests/KillTests.cs): 10 in CI, FLEET_KILL_ROUNDS=20 on demand.
export FLEET_KILL_ROUNDS="${FLEET_KILL_ROUNDS:-10}"

LOG="$PEERS_DIR/dotnet-test.log"
dotnet test "$ROOT/Functions.sln" --nologo --blame-hang-timeout 5m "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}

# The Kubernetes tests again, given nothing but a kubeconfig (the emulator as a separate process): what
# they do here they do against any real cluster FLEET_TEST_KUBECONFIG names. Skipped when one is named,
# since the run above already used it.
if [ -z "${FLEET_TEST_KUBECONFIG:-}" ]; then
  args=() filter=
  while [ $# -gt 0 ]; do
    case "$1" in
      --filter) filter=$2; shift 2 ;;
      --filter=*) filter=${1#--filter=}; shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  kfilter="Category=Kubernetes"
  [ -n "$filter" ] && [ "$filter" != "$kfilter" ] && kfilter="$kfilter&($filter)"
  kubeconfig="$PEERS_DIR/emulator.kubeconfig"
  dotnet "$ROOT/tests/KubeEmulator/bin/Debug/net10.0/KubeEmulator.dll" --port 0 --kubeconfig-out "$kubeconfig" \
    > "$PEERS_DIR/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 300); do [ -s "$kubeconfig" ] || ! kill -0 "$EMULATOR_PID" 2>/dev/null && break; sleep 0.1; done
  if [ -s "$kubeconfig" ]; then
    echo "== Kubernetes tests against the emulator process ($kfilter)" | tee -a "$LOG"
    FLEET_TEST_KUBECONFIG="$kubeconfig" dotnet test "$ROOT/Functions.sln" --nologo --no-build --blame-hang-timeout 5m \
      --filter "$kfilter" "${args[@]}" 2>&1 | tee -a "$LOG"
    kstatus=${PIPESTATUS[0]}
    [ "$kstatus" -ne 0 ] && status=$kstatus
  else
    echo "the emulator process did not write $kubeconfig:" >&2; cat "$PEERS_DIR/emulator.log" >&2; status=1
  fi
fi

# The API contract against a fresh host: Redocly lint of the OpenAPI document and the Postman collection under
# newman (infra/contract.sh). Part of every full run; a focused run (--filter) skips it.
if [ "$FOCUSED" -eq 0 ]; then
  echo "== API contract: OpenAPI lint and newman" | tee -a "$LOG"
  "$ROOT/infra/contract.sh" 2>&1 | tee -a "$LOG"
  cstatus=${PIPESTATUS[0]}
  [ "$cstatus" -ne 0 ] && { echo "API contract check failed" | tee -a "$LOG"; status=$cstatus; }
fi

# One closing line for the whole run, summed over the test assemblies.
passed=$(grep -oE 'Passed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$LOG" | awk '{s+=$2} END {print s+0}')
echo
# The failed tests again at the very end, with the first lines of their messages, so that a log read from its tail names them.
if [ "$failed" -gt 0 ]; then
  echo "Failed tests:"
  grep -E -A4 '^\s+Failed [A-Za-z_][A-Za-z0-9_.]+' "$LOG" | grep -vE '^\s+(Stack Trace|at ):?' | head -80
fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$failed" -gt 0 ]; then status=1; fi
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then echo "no test ran" >&2; status=1; fi
exit "$status"
