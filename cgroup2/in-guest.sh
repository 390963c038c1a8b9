#!/bin/sh
# Guest side of the cgroup v2 suite, run as the guest's /share/run.sh (test.sh writes /share/env).
# Starts the service the way a container runtime starts the image: in a cgroup of its own (the
# "pod"), seen through a cgroup namespace whose cgroup2 mount is read-only, deploy/entrypoint.sh
# under tini. inspector.py serves a read-only view of the pod's cgroups on a second port. When the
# host drops /share/stop, stops the service with SIGTERM (as `docker stop` does) and checks that no
# sandbox cgroup and no runsc process is left. Exit status 0 only if the service started and that holds.
set -u
. /share/env # SRC JAVA ROOTFS SERVICE_PORT MANAGEMENT_PORT INSPECT_PORT
exec > /share/guest.log 2>&1
pod=/sys/fs/cgroup/pod
mkdir $pod
python3 "$SRC/cgroup2/inspector.py" "$INSPECT_PORT" $pod &

cat > /run/container.sh <<EOF
umount /sys/fs/cgroup && mount -t cgroup2 -o ro cgroup2 /sys/fs/cgroup
echo \$\$ > /run/service.pid
cd $SRC
export CODELAB_PYTHON_ROOTFS=$ROOTFS CODELAB_SANDBOX_RUNNER_DIR=$SRC/runsc/runner \
  CODELAB_SANDBOX_SECCOMP_PROFILE=$SRC/runsc/seccomp.json CODELAB_SANDBOX_STATE_DIR=/run/codelab-sandbox \
  CODELAB_POOL_SIZE=2 CODELAB_POOL_ML_SIZE=0 CODELAB_POOL_CHECKPOINT_TIMEOUT_MS=900000 CODELAB_SANDBOX_RESTORE_TIMEOUT_MS=180000 \
  QUARKUS_HTTP_HOST=0.0.0.0 QUARKUS_HTTP_PORT=$SERVICE_PORT \
  QUARKUS_MANAGEMENT_HOST=0.0.0.0 QUARKUS_MANAGEMENT_PORT=$MANAGEMENT_PORT CODELAB_ADMISSION_OPEN=true
# Emulated CPUs: C1 only and the serial collector keep the JVM's own threads from crowding the sandboxes.
exec tini -s -- $SRC/deploy/entrypoint.sh $JAVA -Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -jar $SRC/target/quarkus-app/quarkus-run.jar > /share/service.log 2>&1
EOF
sh -c "echo \$\$ > $pod/cgroup.procs && exec unshare --cgroup --mount --fork sh /run/container.sh" &

while [ ! -e /share/stop ]; do sleep 1; done
echo "stopping the service"
kill -TERM "$(cat /run/service.pid)"
i=0
while [ -d /proc/"$(cat /run/service.pid)" ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done

rc=0
left=$(find $pod/codelab -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
[ -z "$left" ] || { echo "FAIL: sandbox cgroups left after shutdown: $left"; rc=1; }
runsc=0
for exe in /proc/[0-9]*/exe; do
  case $(readlink "$exe" 2>/dev/null) in *runsc*) runsc=$((runsc + 1)) ;; esac
done
[ $runsc -eq 0 ] || { echo "FAIL: $runsc runsc processes left after shutdown"; ps -ef; rc=1; }
[ $rc -eq 0 ] && echo "ok: no sandbox cgroup and no runsc process left after shutdown"
exit $rc
