#!/bin/sh
# PID 1 of the cgroup v2 guest (installed as /sbin/codelab-guest-init by guest.sh build): mounts,
# cgroup2 only (the kernel boots with cgroup_no_v1=all) with nsdelegate as systemd mounts it on nodes,
# the network, the 9p shares; runs /share/run.sh, records its exit status in /share/.rc, powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
# What a node's root delegates to its pods (as systemd and the kubelet do).
echo "+cpuset +cpu +io +memory +pids" > /sys/fs/cgroup/cgroup.subtree_control
hostname cgroup2-guest
echo 1 > /proc/sys/kernel/sysrq
ip link set lo up
# qemu's user-mode network: the guest is 10.0.2.15, forwarded ports arrive on eth0.
modprobe virtio_net && ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
modprobe 9pnet_virtio
modprobe 9p
mkdir -p /share
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,cache=none share /share
# Read-only shares, named on the kernel command line as codelab_ro=tag:/path,tag:/path. Nothing
# changes them while the guest runs, so the guest may cache them (cache=loose): imports and class
# loading read the same files again and again.
for share in $(sed -n 's/.*codelab_ro=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' '); do
  mkdir -p "${share#*:}"
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,ro,cache=loose "${share%%:*}" "${share#*:}"
done
echo "guest ready after $(cut -d' ' -f1 /proc/uptime) s"
rc=127
if [ -x /share/run.sh ]; then
  (cd /share && ./run.sh)
  rc=$?
fi
echo "$rc" > /share/.rc
echo "run.sh exited $rc after $(cut -d' ' -f1 /proc/uptime) s"
sync
echo o > /proc/sysrq-trigger
sleep 30
