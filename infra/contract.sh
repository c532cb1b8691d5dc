#!/usr/bin/env bash
# The API contract against a freshly started host: lints the OpenAPI document with Redocly CLI (recommended rules;
# any error fails) and runs the Postman collection with newman (every request's test script must pass). Needs the
# peers' settings in the environment (source <peers>/peers.env; infra/test.sh does) and a built host
# (functions/bin/Debug/net10.0). Installs @redocly/cli and newman from npm into .tools/npm on first use.
# Starts the host on a free loopback port with its own task hub, resets the admin password for the run
# (Auth__ResetAdminPassword, as the README documents), and stops the host by its PID.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="$ROOT/.tools/npm"
OUT=$(mktemp -d /tmp/fleet-contract.XXXXXX)
HOST_PID=
cleanup() {
  if [ -n "$HOST_PID" ]; then kill "$HOST_PID" 2>/dev/null; wait "$HOST_PID" 2>/dev/null; fi
  rm -rf "$OUT"
}
trap cleanup EXIT

if [ ! -x "$TOOLS/node_modules/.bin/redocly" ] || [ ! -x "$TOOLS/node_modules/.bin/newman" ]; then
  echo "installing @redocly/cli and newman into .tools/npm ..." >&2
  mkdir -p "$TOOLS"
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error @redocly/cli@2.11.1 newman@6.2.1 >/dev/null) \
    || { echo "npm install of @redocly/cli and newman failed" >&2; exit 1; }
fi

DLL="$ROOT/functions/bin/Debug/net10.0/Fleet.Functions.dll"
[ -f "$DLL" ] || { echo "$DLL is missing: build Functions.sln first" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PASSWORD="contract-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BASE="http://127.0.0.1:$PORT"
(cd "$ROOT" && ASPNETCORE_URLS="$BASE" Durable__HubName="Contract$(date +%s)" RateLimits__Enabled=false \
  Auth__BootstrapAdminPassword="$PASSWORD" Auth__ResetAdminPassword=true Logging__LogLevel__Default=Warning \
  exec dotnet "$DLL") > "$OUT/host.log" 2>&1 &
HOST_PID=$!
for _ in $(seq 120); do
  curl -sf -o /dev/null "$BASE/api/openapi.json" 2>/dev/null && break
  kill -0 "$HOST_PID" 2>/dev/null || break
  sleep 0.5
done
if ! curl -sf "$BASE/api/openapi.json" -o "$OUT/openapi.json"; then
  echo "the host did not serve /api/openapi.json:" >&2; tail -50 "$OUT/host.log" >&2; exit 1
fi
curl -sf "$BASE/api/postman.json" -o "$OUT/postman.json" || { echo "no /api/postman.json" >&2; exit 1; }

status=0
echo "== OpenAPI lint (Redocly CLI, recommended rules)"
"$TOOLS/node_modules/.bin/redocly" lint "$OUT/openapi.json" --format=stylish || status=1

echo "== Postman collection (newman) against $BASE"
"$TOOLS/node_modules/.bin/newman" run "$OUT/postman.json" --env-var "baseUrl=$BASE" --env-var username=admin \
  --env-var "password=$PASSWORD" --timeout-request 30000 --reporters cli --disable-unicode --color off || status=1
[ "$status" -ne 0 ] && { echo "-- host log (tail)"; tail -40 "$OUT/host.log"; }
exit "$status"
