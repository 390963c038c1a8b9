#!/usr/bin/env bash
# Makes the local base image codelab-base:bookworm without any container registry:
# debootstrap (minbase) from this machine's Debian mirror, packages added in a chroot, then
# `docker import`. Cached: nothing is done when the image exists and carries this recipe's hash.
#
#   deploy/make-base-image.sh           codelab-base:bookworm         JRE 17 headless + runsc + tini
#   deploy/make-base-image.sh --native  codelab-base:bookworm-native  runsc + tini (no JRE)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

variant=jvm
[ "${1:-}" = --native ] && variant=native
packages="ca-certificates tini"           # tini: PID 1 that reaps the runsc processes re-parented to it
[ "$variant" = jvm ] && packages="$packages openjdk-17-jre-headless"
image=codelab-base:bookworm
[ "$variant" = native ] && image=codelab-base:bookworm-native

# The recipe is this script plus the mirror helper; a change to either makes the image again.
recipe=$(cat "$here/make-base-image.sh" "$repo/runsc/debian-mirror.sh" | sha256sum | cut -c1-16)-$variant
have=$(docker image inspect --format '{{ index .Config.Labels "dev.codelab.recipe" }}' "$image" 2>/dev/null || true)
if [ "$have" = "$recipe" ]; then echo "make-base-image: $image is up to date ($recipe)" >&2; exit 0; fi

[ "$(id -u)" = 0 ] || { echo "make-base-image: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || "$repo/runsc/install-runsc.sh" >&2

# Mirrors come from this machine's apt configuration, never from a name written here.
mirror=$("$repo/runsc/debian-mirror.sh")
security=$({ grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
             grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}'; } 2>/dev/null \
           | grep -E '/debian-security/?$' | head -n1 || true)

work=$(mktemp -d /var/tmp/codelab-base.XXXXXX)
root="$work/rootfs"
cleanup() {
  mountpoint -q "$root/proc" && umount "$root/proc"
  rm -rf "$work"
}
trap cleanup EXIT

echo "make-base-image: debootstrap bookworm minbase into $work (a few minutes)" >&2
# Its log is long: kept aside, shown only when it fails.
debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; echo "make-base-image: debootstrap failed" >&2; exit 1; }

# apt sources inside: the same mirror, plus backports (for a 2024 runsc) and security (JRE fixes).
if [ -n "$mirror" ]; then
  {
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    echo "deb $mirror bookworm-backports main"
    if [ -n "$security" ]; then echo "deb $security bookworm-security main"; fi
  } > "$root/etc/apt/sources.list"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"          # name resolution for apt, removed below
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"                       # the JRE's postinst runs java, which needs /proc

in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
in_root apt-get -o Dpkg::Use-Pty=0 update -qq >&2
# shellcheck disable=SC2086
in_root apt-get -o Dpkg::Use-Pty=0 install -y -qq --no-install-recommends $packages >&2
# runsc from bookworm-backports when the mirror has it (checkpoint compression, directfs), else bookworm's.
in_root apt-get -o Dpkg::Use-Pty=0 install -y -qq --no-install-recommends -t bookworm-backports runsc >&2 \
  || in_root apt-get -o Dpkg::Use-Pty=0 install -y -qq --no-install-recommends runsc >&2
in_root runsc --version | sed -n 1p >&2           # sed, not head: no SIGPIPE under pipefail

umount "$root/proc"
# Trim what a container never needs.
in_root apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info} "$root"/var/log/* \
       "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C*' -exec rm -rf {} + 2>/dev/null || true

echo "make-base-image: importing $image" >&2
change=(--change "LABEL dev.codelab.recipe=$recipe"
        --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8"
        --change 'ENTRYPOINT ["/usr/bin/tini", "--"]')
previous=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
tar -C "$root" --numeric-owner -c . | docker import "${change[@]}" - "$image" >/dev/null
# The base this one replaced, now untagged (kept while an image built on it still exists).
[ -z "$previous" ] || docker image rm "$previous" >/dev/null 2>&1 || true
docker image ls "$image" >&2
