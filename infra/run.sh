#!/usr/bin/env bash
# Runs Fleet locally: Azurite (installed into .tools/azurite on first use, data in .azurite/)
# unless AzureWebJobsStorage names another account, then the host on http://127.0.0.1:7071.
# Ctrl-C (SIGINT) or SIGTERM stops both, also when started from a script.
#   FLEET_AZURITE_PORT_BASE  first of Azurite's three ports (blob, queue, table); default 10000
#   FLEET_DATA_DIR           where Azurite keeps its data; default .azurite
set -euo pipefail
# A shell started with SIGINT ignored (from a script, a CI runner, nohup) cannot trap it: start again with the
# default action restored, so that Ctrl-C / kill -INT stops everything whoever launched us. SIGTERM is trapped too.
if [ -z "${FLEET_RUN_SIGNALS:-}" ] && env --default-signal=INT true 2>/dev/null; then
  FLEET_RUN_SIGNALS=1 exec env --default-signal=INT,QUIT bash "$0" "$@"
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PEERS_DIR="${FLEET_DATA_DIR:-$ROOT/.azurite}"
mkdir -p "$PEERS_DIR"
PEERS_ENV="$PEERS_DIR/run.env"; : > "$PEERS_ENV"
source "$ROOT/infra/peers/lib.sh"
: > "$PEERS_DIR/pids"

cleanup() { trap - EXIT INT TERM; [ -n "${HOST_PID:-}" ] && kill "$HOST_PID" 2>/dev/null && wait "$HOST_PID" 2>/dev/null; stop_peers "$PEERS_DIR"; }
trap cleanup EXIT INT TERM

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

if [ -z "${AzureWebJobsStorage:-}" ] || [ "${AzureWebJobsStorage}" = "UseDevelopmentStorage=true" ]; then
  bin=$(ensure_azurite)
  base=${FLEET_AZURITE_PORT_BASE:-10000}
  bp=$base; qp=$((base + 1)); tp=$((base + 2))
  "$bin" --silent --skipApiVersionCheck --loose --disableTelemetry --location "$PEERS_DIR" \
    --blobHost 127.0.0.1 --blobPort "$bp" --queueHost 127.0.0.1 --queuePort "$qp" \
    --tableHost 127.0.0.1 --tablePort "$tp" > "$PEERS_DIR/azurite.log" 2>&1 &
  record_pid azurite $!
  wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tp" || { echo "Azurite did not start; see $PEERS_DIR/azurite.log" >&2; exit 1; }
  key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$bp/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$qp/devstoreaccount1;TableEndpoint=http://127.0.0.1:$tp/devstoreaccount1;"
  echo "Azurite on 127.0.0.1:$bp-$tp, data in $PEERS_DIR" >&2
fi

# Restoring asks the package registry every time (about a minute here); skip it once packages are in place.
restore=()
[ -f "$ROOT/functions/obj/project.assets.json" ] && restore=(--no-restore)
dotnet build "$ROOT/functions/Fleet.Functions.csproj" -nologo -v q -clp:ErrorsOnly "${restore[@]}"
dotnet "$ROOT/functions/bin/Debug/net10.0/Fleet.Functions.dll" "$@" &
HOST_PID=$!
wait "$HOST_PID"
