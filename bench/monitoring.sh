#!/usr/bin/env bash
# Starts the service twice on loopback, watching its sandboxes and not, runs bench/monitoring.py, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
rounds=${2:-20}
jar=target/quarkus-app/quarkus-run.jar
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

serve() { # port, state name, extra -D options...
  local port=$1 name=$2; shift 2
  CODELAB_PYTHON_ROOTFS=$rootfs java -Dquarkus.http.port="$port" \
    -Dcodelab.sandbox.state-dir=/run/"$name" -Dcodelab.sandbox.cgroup-parent="$name" \
    -Dquarkus.log.level=WARN "$@" -jar "$jar" > "/tmp/$name.log" 2>&1 &
  pids+=($!)
}
ready() {
  for _ in $(seq 1 120); do
    curl -sf "localhost:$1/q/health/ready" >/dev/null && return 0
    sleep 1
  done
  echo "the service on port $1 did not become ready; see /tmp/codelab-bench-*.log" >&2
  return 1
}
serve 18190 codelab-bench-watched
watched=${pids[-1]}
ready 18190
serve 18191 codelab-bench-unwatched -Dcodelab.monitoring.enabled=false
unwatched=${pids[-1]}
ready 18191
sleep 5 # the pools fill
python3 bench/monitoring.py http://127.0.0.1:18190/v1/executions http://127.0.0.1:18191/v1/executions \
  "$watched" "$unwatched" "$rounds"
