#!/usr/bin/env bash
# Shared helpers for starting Fleet's real peers on loopback (recipes: shared/PEERS.md).
# Each start_* function writes its settings as `export KEY=VALUE` lines to $PEERS_ENV
# and its PID to $PEERS_DIR/pids, so that stop_peers can stop exactly what was started.

FLEET_ROOT="${FLEET_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

free_port() {
  python3 - <<'PY' 2>/dev/null || node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

wait_for() { # wait_for <seconds> <command...>
  local t=$1; shift
  for _ in $(seq 1 $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

record_pid() { echo "$1 $2" >> "$PEERS_DIR/pids"; }
emit() { echo "export $1='$2'" >> "$PEERS_ENV"; export "$1=$2"; }

ensure_azurite() {
  local bin="$FLEET_ROOT/.tools/azurite/node_modules/.bin/azurite"
  if [ ! -x "$bin" ]; then
    echo "installing Azurite into .tools/azurite ..." >&2
    mkdir -p "$FLEET_ROOT/.tools/azurite"
    (cd "$FLEET_ROOT/.tools/azurite" && npm install azurite --no-audit --no-fund --silent >/dev/null) || return 1
  fi
  echo "$bin"
}

start_azurite() { # start_azurite <data dir>
  local dir=$1 bin bp qp tp
  bin=$(ensure_azurite) || { echo "cannot install azurite" >&2; return 1; }
  mkdir -p "$dir"
  bp=$(free_port); qp=$(free_port); tp=$(free_port)
  # In memory: a test run writes thousands of tables (a task hub per test host), and Azurite's disk persistence
  # re-saves its whole table database every few seconds, which stalls every request once it reaches 100 MB.
  # (Azurite refuses --location together with --inMemoryPersistence; $dir keeps only its log.)
  "$bin" --silent --skipApiVersionCheck --loose --disableTelemetry --inMemoryPersistence \
    --blobHost 127.0.0.1 --blobPort "$bp" --queueHost 127.0.0.1 --queuePort "$qp" \
    --tableHost 127.0.0.1 --tablePort "$tp" > "$dir/azurite.log" 2>&1 &
  record_pid azurite $!
  wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tp" || { echo "azurite did not start" >&2; return 1; }
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  emit AzureWebJobsStorage "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$bp/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$qp/devstoreaccount1;TableEndpoint=http://127.0.0.1:$tp/devstoreaccount1;"
}

start_mosquitto() { # start_mosquitto <dir>
  local dir=$1 port
  command -v mosquitto >/dev/null || { echo "mosquitto missing" >&2; return 1; }
  mkdir -p "$dir/data"; port=$(free_port)
  cat > "$dir/mosquitto.conf" <<CONF
user root
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/data/
CONF
  mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
  record_pid mosquitto $!
  wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || { echo "mosquitto did not start" >&2; return 1; }
  emit Mqtt__Broker "127.0.0.1:$port"
}

start_dockerd() { # start_dockerd <dir>; also imports the busybox test images
  local dir=$1
  command -v dockerd >/dev/null || { echo "dockerd missing" >&2; return 1; }
  mkdir -p "$dir"
  dockerd --iptables=false --storage-driver=vfs -H "unix://$dir/docker.sock" --data-root "$dir/data" \
    --exec-root "$dir/exec" --pidfile "$dir/docker.pid" > "$dir/dockerd.log" 2>&1 &
  record_pid dockerd $!
  wait_for 60 docker -H "unix://$dir/docker.sock" version || { echo "dockerd did not start" >&2; tail -20 "$dir/dockerd.log" >&2; return 1; }
  local r="$dir/rootfs"; mkdir -p "$r/bin" "$r/tmp" "$r/data"
  cp "$(command -v busybox || echo /bin/busybox)" "$r/bin/busybox"
  for c in sh sleep echo cat ls httpd tail head wc date mkdir rm touch; do ln -sf busybox "$r/bin/$c"; done
  tar -C "$r" -c . | docker -H "unix://$dir/docker.sock" import - local/busybox:1 >/dev/null
  tar -C "$r" -c . | docker -H "unix://$dir/docker.sock" import --change 'CMD ["httpd","-f","-p","8080","-h","/bin"]' - local/busybox-httpd:1 >/dev/null
  emit Docker__Endpoint "unix://$dir/docker.sock"
  emit DOCKER_HOST "unix://$dir/docker.sock"
}

start_registry() { # start_registry <dir>
  local dir=$1 port
  command -v docker-registry >/dev/null || { echo "docker-registry missing" >&2; return 1; }
  mkdir -p "$dir/data"; port=$(free_port)
  htpasswd -Bbc "$dir/htpasswd" tester s3cret >/dev/null 2>&1
  cat > "$dir/config.yml" <<CONF
version: 0.1
storage:
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port}
auth:
  htpasswd: {realm: fleet, path: $dir/htpasswd}
CONF
  docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
  record_pid registry $!
  wait_for 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" || { echo "registry did not start" >&2; return 1; }
  emit FLEET_TEST_REGISTRY "127.0.0.1:$port"
  emit FLEET_TEST_REGISTRY_USER tester
  emit FLEET_TEST_REGISTRY_PASSWORD s3cret
}

start_rauc() { # start_rauc <dir>: private system bus + rauc service with file-backed A/B slots
  local dir=$1
  command -v rauc >/dev/null || { echo "rauc missing" >&2; return 1; }
  mkdir -p "$dir"/{pki,slots,data,mnt,bundles,state}
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/pki/key.pem" -out "$dir/pki/cert.pem" \
    -days 3650 -subj "/O=fleet/CN=test" >/dev/null 2>&1
  truncate -s 4M "$dir/slots/rootfs0.img" "$dir/slots/rootfs1.img"
  echo A > "$dir/state/primary"; echo good > "$dir/state/A"; echo good > "$dir/state/B"
  cat > "$dir/bootloader.sh" <<SH
#!/bin/sh
# A file-backed bootloader for rauc's custom backend.
S=$dir/state
case "\$1" in
  get-primary) cat \$S/primary ;;
  set-primary) echo "\$2" > \$S/primary ;;
  get-state) cat \$S/\$2 ;;
  set-state) echo "\$3" > \$S/\$2 ;;
  *) exit 1 ;;
esac
SH
  chmod +x "$dir/bootloader.sh"
  cat > "$dir/system.conf" <<CONF
[system]
compatible=fleet-test
bootloader=custom
data-directory=$dir/data
mountprefix=$dir/mnt

[handlers]
bootloader-custom-backend=$dir/bootloader.sh

[keyring]
path=$dir/pki/cert.pem

[slot.rootfs.0]
device=$dir/slots/rootfs0.img
type=raw
bootname=A

[slot.rootfs.1]
device=$dir/slots/rootfs1.img
type=raw
bootname=B
CONF
  cat > "$dir/dbus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
  dbus-daemon --config-file="$dir/dbus.conf" --nofork > "$dir/dbus.log" 2>&1 &
  record_pid dbus $!
  wait_for 10 test -S "$dir/system_bus_socket" || { echo "dbus did not start" >&2; return 1; }
  emit DBUS_SYSTEM_BUS_ADDRESS "unix:path=$dir/system_bus_socket"
  rauc service --conf="$dir/system.conf" --override-boot-slot=A > "$dir/rauc.log" 2>&1 &
  record_pid rauc $!
  wait_for 20 rauc status || { echo "rauc service did not start" >&2; tail "$dir/rauc.log" >&2; return 1; }
  emit Homei__Rauc__Command rauc
  emit Homei__Rauc__BundleDirectory "$dir/bundles"
  emit FLEET_TEST_RAUC_DIR "$dir"
}

start_kafka_mock() { # start_kafka_mock <dir>: librdkafka's mock cluster (one broker) hosted by kcat, on a random port
  local dir=$1
  command -v kcat >/dev/null || { echo "kcat missing" >&2; return 1; }
  mkdir -p "$dir"
  # kcat consumes a keep-alive topic from the mock cluster it creates; its debug log names the mock's bootstrap servers.
  kcat -b 127.0.0.1:1 -X test.mock.num.brokers=1 -X debug=mock -C -t keepalive -o end -q > /dev/null 2> "$dir/mock.log" < /dev/null &
  record_pid kafka $!
  wait_for 20 grep -q 'bootstrap.servers=' "$dir/mock.log" || { echo "kafka mock did not start" >&2; tail "$dir/mock.log" >&2; return 1; }
  local servers
  servers=$(grep -o 'bootstrap.servers=[0-9.:,]*' "$dir/mock.log" | head -1 | cut -d= -f2)
  [ -n "$servers" ] || { echo "kafka mock: no bootstrap servers in $dir/mock.log" >&2; return 1; }
  emit FLEET_TEST_KAFKA "$servers"
}

stop_peers() { # stop_peers <peers dir>
  local f="$1/pids"
  [ -f "$f" ] || return 0
  tac "$f" | while read -r name pid; do
    kill "$pid" 2>/dev/null && for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$f"
}
