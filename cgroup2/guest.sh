#!/usr/bin/env bash
# A throw-away Debian bookworm guest under qemu whose kernel has cgroup v2 only, with runsc, tini
# and python3 inside: the cgroup v2 suite runs the service in it. This machine's own cgroups (v1)
# are never touched; the host gets the qemu package and the files under the cache directory.
#
#   cgroup2/guest.sh build              builds it once, cached under $CODELAB_CACHE (default
#                                       /var/cache/codelab-sandbox) keyed by a hash of this recipe; prints its dir
#   cgroup2/guest.sh run DIR [PORT...]  boots it, shares DIR read-write at /share, forwards each host
#                                       127.0.0.1:PORT to the guest's PORT, runs /share/run.sh as root and
#                                       powers off; exits with run.sh's status (125: no status came back)
#
#   CODELAB_GUEST_RO="/host/dir:/guest/dir ..."  read-only shares (the host JDK, the Python rootfs, the checkout)
#   CODELAB_GUEST_LOG=FILE   the guest's console (default: stdout)
#   CODELAB_GUEST_MEM=MiB, CODELAB_GUEST_SMP=N   guest size (default 3072, 2)
#   CODELAB_GUEST_ACCEL=kvm  on hosts with real VT-x/AMD-V; the default, tcg, is software emulation: on this
#                            kind of VM /dev/kvm is a paravirtual hypervisor that a stock kernel crawls under.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CODELAB_CACHE:-/var/cache/codelab-sandbox}
key=$(cat "$here/guest.sh" "$here/guest-init.sh" | sha256sum | cut -c1-16)
target="$cache/cgroup2-guest-$key"

build() {
  if [ -f "$target/complete" ]; then echo "$target"; return; fi
  [ "$(id -u)" = 0 ] || { echo "guest: building needs root" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  command -v qemu-system-x86_64 >/dev/null || apt-get install -y -q --no-install-recommends qemu-system-x86 >&2
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >&2
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.guest.XXXXXX") # global: the EXIT trap reads it
  log="$cache/cgroup2-build.log" # outside the glob that removes older guests
  echo "guest: building it once, about a minute (log: $log)" >&2
  exec 3>&2 2>"$log"
  trap 'rc=$?; rm -rf "$work"; [ $rc -eq 0 ] || { tail -n 30 "$log"; echo "guest: build failed" ; } >&3' EXIT
  cd "$work"

  # The stock Debian kernel and a static busybox, unpacked here (the host's /boot is not touched).
  local kver
  kver=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)$/\1/p' | head -n1)
  mkdir debs unpacked
  (cd debs && apt-get download "linux-image-$kver" busybox-static >&2)
  for deb in debs/*.deb; do dpkg-deb -x "$deb" unpacked; done
  cp "unpacked/boot/vmlinuz-$kver" vmlinuz

  # The root: python3 (the suite's inspector), tini (as in the container image), runsc as
  # runsc/install-runsc.sh picks it (bookworm-backports, else bookworm).
  local mirror r=rootfs
  mirror=$("$here/../runsc/debian-mirror.sh")
  echo "guest: debootstrap bookworm (a minute or two)" >&2
  debootstrap --variant=minbase --include=python3,tini,kmod,iproute2,procps bookworm "$r" $mirror >&2
  mirror=${mirror:-$(sed -n 's/^deb \([^ ]*\) bookworm .*/\1/p' "$r/etc/apt/sources.list" | head -n1)}
  echo "deb $mirror bookworm-backports main" > "$r/etc/apt/sources.list.d/backports.list"
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  chroot "$r" sh -c 'apt-get update -q && { apt-get install -y -q --no-install-recommends -t bookworm-backports runsc \
      || apt-get install -y -q --no-install-recommends runsc; } && apt-get clean && rm -rf /var/lib/apt/lists/*' >&2
  # Kernel modules a headless virtio guest needs.
  mkdir -p "$r/lib/modules"
  cp -a "unpacked/lib/modules/$kver" "$r/lib/modules/"
  ( cd "$r/lib/modules/$kver/kernel" && rm -rf sound drivers/gpu drivers/media drivers/net/wireless \
      drivers/net/ethernet drivers/infiniband drivers/usb drivers/scsi net/wireless net/bluetooth )
  chroot "$r" depmod "$kver"
  install -m 755 "$here/guest-init.sh" "$r/sbin/codelab-guest-init"

  # initramfs: busybox and the modules that mount the ext4 root disk, then switch_root to it.
  local initrd=initrd m
  mkdir -p "$initrd/bin" "$initrd/mods" "$initrd/newroot" "$initrd/proc" "$initrd/dev"
  cp unpacked/bin/busybox "$initrd/bin/busybox"
  for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
           drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \
           lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4; do
    cp "$r/lib/modules/$kver/kernel/$m.ko" "$initrd/mods/"
    basename "$m" >> "$initrd/mods/order"
  done
  cat > "$initrd/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods/order); do insmod /mods/$m.ko; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/vda /newroot || { echo "guest: cannot mount the root disk"; poweroff -f; }
umount /dev /proc
exec switch_root /newroot /sbin/codelab-guest-init
EOF
  chmod 755 "$initrd/init"
  (cd "$initrd" && find . | ../unpacked/bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) > initrd.img

  # The root disk: only ever booted with -snapshot, so it never changes.
  mkfs.ext4 -q -F -L codelab-guest -d "$r" root.img 1G
  rm -rf "$cache"/cgroup2-guest-* # earlier recipes' guests
  mkdir -p "$target"
  mv vmlinuz initrd.img root.img "$target/"
  echo "$kver" > "$target/kernel-version"
  touch "$target/complete"
  echo "$target"
}

run() {
  local share=${1:?usage: guest.sh run DIR [PORT...]}; shift
  share=$(readlink -f "$share")
  [ -f "$target/complete" ] || { echo "guest: not built; run: $0 build" >&2; exit 1; }
  local forwards="" port
  for port in "$@"; do forwards+=",hostfwd=tcp:127.0.0.1:$port-:$port"; done
  # -cpu max: qemu's default CPU model makes numpy's code die of SIGILL inside runsc (measured).
  local accel=(-accel tcg,thread=multi -cpu max)
  [ "${CODELAB_GUEST_ACCEL:-tcg}" = kvm ] && accel=(-accel kvm -cpu host)
  local shares=() tags="" n=0 pair
  for pair in ${CODELAB_GUEST_RO:-}; do
    n=$((n + 1))
    shares+=(-virtfs "local,path=${pair%%:*},mount_tag=ro$n,security_model=none,readonly=on,id=ro$n")
    tags+="${tags:+,}ro$n:${pair#*:}"
  done
  rm -f "$share/.rc"
  # -snapshot: the guest's writes go to a temporary overlay; parallel runs share one image.
  qemu-system-x86_64 "${accel[@]}" -m "${CODELAB_GUEST_MEM:-3072}" -smp "${CODELAB_GUEST_SMP:-2}" \
    -nographic -no-reboot -snapshot \
    -kernel "$target/vmlinuz" -initrd "$target/initrd.img" \
    -append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1${tags:+ codelab_ro=$tags}" \
    -drive "file=$target/root.img,format=raw,if=virtio" \
    -netdev "user,id=net0$forwards" -device virtio-net-pci,netdev=net0,romfile= \
    -virtfs "local,path=$share,mount_tag=share,security_model=none,id=share" "${shares[@]}" \
    </dev/null >"${CODELAB_GUEST_LOG:-/dev/stdout}" 2>&1 || true
  [ -f "$share/.rc" ] || { echo "guest: no exit status came back (see the console log)" >&2; return 125; }
  return "$(cat "$share/.rc")"
}

case ${1:-} in
  build) build ;;
  run) shift; run "$@" ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
