#!/usr/bin/env bash
# Start every peer the tests need, on loopback, with data under $1 (created if missing).
# Writes $1/peers.env (export lines) and $1/pids. Stop them with infra/peers/stop-all.sh $1.
set -euo pipefail
PEERS_DIR=$(mkdir -p "$1" && cd "$1" && pwd)
PEERS_ENV="$PEERS_DIR/peers.env"
: > "$PEERS_ENV"
source "$(dirname "$0")/lib.sh"
start_azurite "$PEERS_DIR/azurite"
start_mosquitto "$PEERS_DIR/mosquitto"
start_dockerd "$PEERS_DIR/docker"
start_registry "$PEERS_DIR/registry"
start_rauc "$PEERS_DIR/rauc"
start_kafka_mock "$PEERS_DIR/kafka"
echo "peers up: $(awk '{print $1}' "$PEERS_DIR/pids" | tr '\n' ' ')" >&2
