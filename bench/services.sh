# Sourced by the bench scripts: start the service on loopback with a state dir and cgroup parent of
# its own, and wait for it. Callers set $rootfs and $jar, keep $pids, and trap EXIT to stop them.
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
    curl -sf -m 5 "localhost:$(($1 + 1000))/q/health/ready" >/dev/null && return 0
    sleep 1
  done
  echo "the service on port $1 did not become ready; see /tmp/codelab-bench*.log" >&2
  return 1
}
