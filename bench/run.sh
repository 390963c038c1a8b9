#!/usr/bin/env bash
# Starts the three targets of the benchmark on loopback, runs bench.py, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
jar=target/quarkus-app/quarkus-run.jar
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

. bench/services.sh
# The admission bounds are set so the burst section below knows them.
serve 18180 codelab-bench -Dcodelab.admission.max-running=4 -Dcodelab.admission.max-queued=8 \
  -Dcodelab.admission.max-queue-wait=10s
ready 18180
serve 18181 codelab-bench-empty -Dcodelab.pool.size=0
ready 18181
python3 bench/reference_executor.py "$rootfs" 18182 & pids+=($!)
sleep 5 # the pool fills
python3 bench/bench.py http://127.0.0.1:18180/v1/executions http://127.0.0.1:18181/v1/executions \
  http://127.0.0.1:18182/ codelab-bench 10
