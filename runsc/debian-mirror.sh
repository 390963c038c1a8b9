#!/usr/bin/env bash
# Prints this machine's Debian archive URI, read from its own apt configuration
# (empty when none is configured; debootstrap then uses its default mirror).
{ grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
  grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}'; } 2>/dev/null \
  | grep -v security | grep -E '/debian/?$' | head -n1 || true
