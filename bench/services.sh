# Sourced by the bench scripts: start the service on loopback with a state dir and cgroup parent of
# its own, and wait for it. Callers set $rootfs and $jar, keep $pids, and trap EXIT to stop them.

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
  echo "the service on port $1 did not become ready; see /tmp/codelab-bench*.log" >&2
  return 1
}
