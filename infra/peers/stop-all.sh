#!/usr/bin/env bash
# Stop the peers that start-all.sh started in $1, by their recorded PIDs.
source "$(dirname "$0")/lib.sh"
stop_peers "$1"
