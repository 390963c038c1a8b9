#!/usr/bin/env bash
# Starts the three targets of the benchmark on loopback, runs bench.py, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
jar=target/quarkus-app/quarkus-run.jar
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

. bench/services.sh
# What bench.py measures beyond answers: where a run's time goes (debug lines it reads from the
# service's log), and sessions that hibernate within the bench's time.
measured=('-Dquarkus.log.category."dev.codelab.sandbox.execution.RunTimeline".level=DEBUG'
  '-Dquarkus.log.category."dev.codelab.sandbox.sandbox.Sandbox".level=DEBUG'
  -Dcodelab.session.hibernate-after=2s -Dcodelab.session.tend-every=1s)
# The admission bounds are set so the burst section below knows them.
serve 18180 codelab-bench -Dcodelab.admission.max-running=4 -Dcodelab.admission.max-queued=8 \
  -Dcodelab.admission.max-queue-wait=10s "${measured[@]}"
ready 18180
serve 18181 codelab-bench-empty -Dcodelab.pool.size=0
ready 18181
python3 bench/reference_executor.py "$rootfs" 18182 & pids+=($!)
sleep 5 # the pool fills
status=0
python3 bench/bench.py http://127.0.0.1:18180/v1/executions http://127.0.0.1:18181/v1/executions \
  http://127.0.0.1:18182/ codelab-bench 10 || status=$?
# Sessions that outlive their replica: two more services sharing a sessions directory, started by handover.py.
python3 bench/handover.py "$rootfs" "$jar" http://127.0.0.1:18182/ || status=$?
exit $status
