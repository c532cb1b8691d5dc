#!/usr/bin/env bash
# Runs Fleet locally: Azurite (installed into .tools/azurite on first use, data in .azurite/)
# unless AzureWebJobsStorage names another account, then the host on http://127.0.0.1:7071.
#   infra/run.sh --hosts N   N identical hosts on ports 7072.. sharing the storage account, the task hub and an
#                            MQTT broker (mosquitto started here unless Mqtt__Broker names one), behind a YARP
#                            reverse proxy (infra/proxy) on http://127.0.0.1:7071.
# Ctrl-C (SIGINT) or SIGTERM stops everything, also when started from a script.
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
HOSTS=1
host_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) HOSTS=$2; shift 2 ;;
    --hosts=*) HOSTS=${1#--hosts=}; shift ;;
    *) host_args+=("$1"); shift ;;
  esac
done
case "$HOSTS" in ''|*[!0-9]*|0) echo "--hosts takes a positive number" >&2; exit 2 ;; esac
PEERS_DIR="${FLEET_DATA_DIR:-$ROOT/.azurite}"
mkdir -p "$PEERS_DIR"
PEERS_ENV="$PEERS_DIR/run.env"; : > "$PEERS_ENV"
source "$ROOT/infra/peers/lib.sh"
: > "$PEERS_DIR/pids"

HOST_PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${HOST_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${HOST_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  stop_peers "$PEERS_DIR"
}
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
DLL="$ROOT/functions/bin/Debug/net10.0/Fleet.Functions.dll"

if [ "$HOSTS" -eq 1 ]; then
  dotnet "$DLL" "${host_args[@]}" &
  HOST_PIDS+=($!)
  wait "${HOST_PIDS[0]}"
  exit $?
fi

# Several hosts: they share events, cache invalidations and rate-limit windows through the broker and the storage
# account, and lease the singletons (timers, pumps) among themselves; see README "Several hosts".
if [ -z "${Mqtt__Broker:-}" ]; then
  start_mosquitto "$PEERS_DIR/mosquitto" || { echo "several hosts need an MQTT broker: install mosquitto or set Mqtt__Broker" >&2; exit 1; }
  echo "mosquitto on $Mqtt__Broker" >&2
fi
# Work a dead host had taken (its activities, its orchestration messages) is picked up by another after 30 s; live hosts
# keep long work hidden by renewing, so a short timeout costs nothing while they run.
export Mqtt__Broker Durable__HubName="${Durable__HubName:-FleetHub}" Durable__MessageVisibilityTimeout="${Durable__MessageVisibilityTimeout:-00:00:30}"
proxy_restore=()
[ -f "$ROOT/infra/proxy/obj/project.assets.json" ] && proxy_restore=(--no-restore)
dotnet build "$ROOT/infra/proxy/Fleet.Proxy.csproj" -nologo -v q -clp:ErrorsOnly "${proxy_restore[@]}"
backends=()
for i in $(seq 1 "$HOSTS"); do
  port=$((7071 + i))
  ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet "$DLL" "${host_args[@]}" > "$PEERS_DIR/host$i.log" 2>&1 &
  HOST_PIDS+=($!)
  backends+=("http://127.0.0.1:$port")
  echo "host $i on http://127.0.0.1:$port (pid $!, log $PEERS_DIR/host$i.log)" >&2
done
backend_list=$(IFS=,; echo "${backends[*]}")
ASPNETCORE_URLS="http://127.0.0.1:${FLEET_PROXY_PORT:-7071}" Proxy__Backends="$backend_list" \
  dotnet "$ROOT/infra/proxy/bin/Debug/net10.0/Fleet.Proxy.dll" &
HOST_PIDS+=($!)
echo "proxy on http://127.0.0.1:${FLEET_PROXY_PORT:-7071} over $backend_list" >&2
# Stop everything when any host or the proxy exits.
wait -n "${HOST_PIDS[@]}"
