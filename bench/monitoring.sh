#!/usr/bin/env bash
# Starts the service twice on loopback, watching its sandboxes and not, runs bench/monitoring.py, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
rounds=${2:-20}
jar=target/quarkus-app/quarkus-run.jar
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

. bench/services.sh
serve 18190 codelab-bench-watched
watched=${pids[-1]}
ready 18190
serve 18191 codelab-bench-unwatched -Dcodelab.monitoring.enabled=false
unwatched=${pids[-1]}
ready 18191
sleep 5 # the pools fill
python3 bench/monitoring.py http://127.0.0.1:18190/v1/executions http://127.0.0.1:18191/v1/executions \
  "$watched" "$unwatched" "$rounds"
