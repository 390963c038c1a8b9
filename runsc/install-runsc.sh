#!/usr/bin/env bash
# Installs runsc (gVisor) and debootstrap when missing. Prefers bookworm-backports' runsc
# (2024: systrap, directfs, checkpoint compression) over bookworm's (2022).
# The backports mirror is derived from this machine's own apt configuration.
set -euo pipefail

have_runsc() { command -v runsc >/dev/null 2>&1; }
if have_runsc && command -v debootstrap >/dev/null 2>&1; then exit 0; fi
[ "$(id -u)" = 0 ] || { echo "install-runsc: run as root to install runsc/debootstrap" >&2; exit 1; }

list=/etc/apt/sources.list.d/codelab-backports.list
if [ ! -f "$list" ]; then
  uri=$("$(dirname "$0")/debian-mirror.sh")
  if [ -n "$uri" ]; then
    echo "deb $uri bookworm-backports main" > "$list"
  fi
fi
apt-get update -qq
export DEBIAN_FRONTEND=noninteractive
if ! have_runsc; then
  apt-get install -y -qq -t bookworm-backports runsc || apt-get install -y -qq runsc
fi
command -v debootstrap >/dev/null 2>&1 || apt-get install -y -qq debootstrap
runsc --version | head -n1
