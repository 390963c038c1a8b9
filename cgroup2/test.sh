#!/usr/bin/env bash
# `make test-cgroup2`: the cgroup v2 suite. Boots the guest (cgroup2/guest.sh, built once and cached)
# with the service inside it (in-guest.sh: the built fast-jar, the host's JDK and Python rootfs shared
# read-only), drives it over forwarded ports from here (suite.py), then has the guest stop the
# service and check that nothing is left. Needs root, target/quarkus-app and the rootfs
# (`make test-cgroup2` builds both). Logs are kept in the printed directory when the suite fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
"$here/guest.sh" build >/dev/null
rootfs=$("$src/runsc/python-rootfs.sh")
[ -f "$src/target/quarkus-app/quarkus-run.jar" ] || { echo "test-cgroup2: build the fast-jar first (make build)" >&2; exit 1; }
java=$(readlink -f "$(command -v java)")
case $java in /usr/lib/jvm/*) ;; *) echo "test-cgroup2: the JDK must live under /usr/lib/jvm (found $java)" >&2; exit 1 ;; esac

work=$(mktemp -d /tmp/codelab-cgroup2.XXXXXX)
read -r service_port management_port inspect_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
cat > "$work/env" <<ENV
SRC=/src JAVA=$java ROOTFS=$rootfs SERVICE_PORT=$service_port MANAGEMENT_PORT=$management_port INSPECT_PORT=$inspect_port
ENV
install -m 755 "$here/in-guest.sh" "$work/run.sh"

start=$SECONDS
CODELAB_GUEST_LOG="$work/console.log" \
CODELAB_GUEST_RO="/usr/lib/jvm:/usr/lib/jvm /etc/java-17-openjdk:/etc/java-17-openjdk $rootfs:$rootfs $src:/src" \
  "$here/guest.sh" run "$work" "$service_port" "$management_port" "$inspect_port" &
guest=$!
suite=0
python3 "$here/suite.py" "$service_port" "$management_port" "$inspect_port" || suite=$?
touch "$work/stop"
guest_rc=0
wait $guest || guest_rc=$?
cat "$work/guest.log" 2>/dev/null | grep -E '^(ok|FAIL)' || true
echo "test-cgroup2: $((SECONDS - start)) s in the guest"
if [ $suite -ne 0 ] || [ $guest_rc -ne 0 ]; then
  echo "test-cgroup2: FAILED (suite $suite, guest $guest_rc); logs in $work (service.log, guest.log, console.log)" >&2
  exit 1
fi
rm -rf "$work"
