#!/bin/sh
# Container entrypoint (run by tini): makes the container's own cgroup v1 controllers writable, then
# execs the service. Docker mounts them read-only unless the container is --privileged; with
# CAP_SYS_ADMIN a bind remount makes them writable, so each sandbox's cgroup is made *inside* the
# container's cgroup (its memory counts against the container's limit, `docker stats` sees it, and
# nothing outside the container can be touched). The service's four controllers, plus cpuset and
# blkio, which runsc requires; the others (devices, freezer) stay read-only and runsc skips them.
# Already-writable mounts (--privileged, or a bind-mounted host tree) are left alone.
for controller in memory cpu cpuacct pids cpuset blkio; do
  dir=/sys/fs/cgroup/$controller
  if [ -d "$dir" ] && [ ! -w "$dir" ]; then
    mount -o remount,bind,rw "$dir" 2>/dev/null \
      || echo "entrypoint: $dir is read-only and cannot be remounted (needs CAP_SYS_ADMIN); sandboxes will not start" >&2
  fi
done
exec "$@"
