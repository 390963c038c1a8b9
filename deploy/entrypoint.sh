#!/bin/sh
# Container entrypoint (run by tini): sets up the container's own cgroup so that each sandbox's cgroup
# is made *inside* it (its memory counts against the container's limit, `docker stats` sees it, and
# nothing outside the container can be touched), then execs the service. Docker mounts the cgroup
# filesystem read-only unless the container is --privileged; with CAP_SYS_ADMIN a remount makes it
# writable. Already-writable mounts (--privileged, a bind-mounted host tree) are left alone.
cgroups=/sys/fs/cgroup
writable() { # DIR MOUNT-OPTIONS
  if [ ! -w "$1" ]; then
    mount -o "$2" "$1" 2>/dev/null \
      || { echo "entrypoint: $1 is read-only and cannot be remounted (needs CAP_SYS_ADMIN); sandboxes will not start" >&2; return 1; }
  fi
}

if [ -f $cgroups/cgroup.controllers ]; then
  # cgroup v2: a cgroup hands controllers to its children only while it holds no process itself, so
  # the container's processes (tini, this shell, then java) move into the leaf "service", and the
  # container's cgroup delegates cpuset (runsc reads its CPU count there), cpu, memory and pids to the
  # sandboxes' parent beside it. The leaf's name is what the service looks for
  # (CgroupV2Hierarchy.SERVICE_LEAF).
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  container=$cgroups${own%/}
  if writable $cgroups remount,rw; then
    mkdir -p "$container/service"
    for pid in $(cat "$container/cgroup.procs"); do
      echo "$pid" > "$container/service/cgroup.procs" 2>/dev/null # some have exited already
    done
    echo "+cpuset +cpu +memory +pids" > "$container/cgroup.subtree_control" \
      || echo "entrypoint: $container cannot delegate cpuset, cpu, memory and pids; sandboxes will not start" >&2
  fi
else
  # cgroup v1: the service's four controllers, plus cpuset and blkio, which runsc requires; the others
  # (devices, freezer) stay read-only and runsc skips them.
  for controller in memory cpu cpuacct pids cpuset blkio; do
    [ -d $cgroups/$controller ] && writable $cgroups/$controller remount,bind,rw
  done
fi
exec "$@"
