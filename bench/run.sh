#!/usr/bin/env bash
# Starts the three targets of the benchmark on loopback, runs bench.py, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs=$1
jar=target/quarkus-app/quarkus-run.jar
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

# Each service: the API on its port, /q on port + 1000 (the management interface); open, with no
# rate limit on the anonymous tenant (the throughput rows start hundreds of runs a minute).
serve() { # port, state name, extra -D options...
  local port=$1 name=$2; shift 2
  CODELAB_PYTHON_ROOTFS=$rootfs java -Dquarkus.http.port="$port" -Dquarkus.management.port=$((port + 1000)) \
    -Dcodelab.admission.open=true -Dcodelab.admission.anonymous.per-minute= \
    -Dcodelab.sandbox.state-dir=/run/"$name" -Dcodelab.sandbox.cgroup-parent="$name" \
    -Dquarkus.log.level=WARN "$@" -jar "$jar" > "/tmp/$name.log" 2>&1 &
  pids+=($!)
}
ready() {
  for _ in $(seq 1 120); do
    curl -sf "localhost:$(($1 + 1000))/q/health/ready" >/dev/null && return 0
    sleep 1
  done
  echo "the service on port $1 did not become ready; see /tmp/codelab-bench*.log" >&2
  return 1
}
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
python3 bench/bench.py http://127.0.0.1:18180/v1/executions http://127.0.0.1:18181/v1/executions \
  http://127.0.0.1:18182/ codelab-bench 10
