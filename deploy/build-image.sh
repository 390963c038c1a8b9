#!/usr/bin/env bash
# Builds the container image codelab-sandbox:latest from a fresh Debian 12 machine, as root, without
# any container registry: starts a Docker engine if none answers (installing docker.io when needed),
# makes the local base image, imports the Python sandbox root filesystem as a local image, builds the
# Quarkus fast-jar when it is missing or older than the sources, and builds deploy/Dockerfile.
#
#   deploy/build-image.sh            codelab-sandbox:latest          (deploy/Dockerfile, JVM mode)
#   deploy/build-image.sh --native   codelab-sandbox:native          (deploy/Dockerfile.native; needs
#                                     BUILDER_IMAGE=<a local image with Mandrel/GraalVM and Maven>;
#                                     cannot be built on a machine without such an image)
# Environment: IMAGE (target tag), MVN (default: mvn -B), REBUILD_JAR=1 (package even if up to date).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
log() { echo "build-image: $*" >&2; }
die() { echo "build-image: ERROR: $*" >&2; exit 1; }

native=false
[ "${1:-}" = --native ] && native=true
if $native; then image=${IMAGE:-codelab-sandbox:native}; else image=${IMAGE:-codelab-sandbox:latest}; fi
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, dockerd)"
! $native || [ -n "${BUILDER_IMAGE:-}" ] \
  || die "--native needs BUILDER_IMAGE=<a local image with Mandrel/GraalVM (JDK 25) and Maven> (see deploy/Dockerfile.native)"

# --- 1. A Docker engine: use the one that answers, else install docker.io and start dockerd. ---
engine_log=/var/log/codelab-dockerd.log
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    log "no Docker engine: installing docker.io"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >&2; } \
      || die "could not install docker.io"
  fi
  started=
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: $engine_log)"
    # setsid: the engine outlives this script (and the test JVM that may have called it). It gets
    # none of the caller's other descriptors: a lock, make's jobserver or a CI pipe it held open
    # would outlive the caller with it.
    (
      for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
      done
      exec setsid dockerd --storage-driver=overlay2 --exec-opt native.cgroupdriver=cgroupfs \
        >>"$engine_log" 2>&1 </dev/null
    ) &
    started=$!
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    [ -z "$started" ] || kill -0 "$started" 2>/dev/null || break   # it exited: no use waiting
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -n 20 "$engine_log" >&2 || true
                                   die "no Docker engine answers and dockerd could not be started (see $engine_log)"; }
fi
# The classic builder resolves FROM/COPY --from against local images and needs no buildx plugin.
export DOCKER_BUILDKIT=0

# --- 2. The base image (cached by recipe hash). ---
if $native; then "$here/make-base-image.sh" --native; else "$here/make-base-image.sh"; fi

# --- 3. The Python root filesystem as a local image, tagged with its recipe hash. ---
# `docker import` of a tar (one layer, no context upload); the Dockerfile copies it with COPY --from.
rootfs=$(runsc/python-rootfs.sh)
key=$(basename "$(dirname "$rootfs")")               # python-<hash of runsc/python-rootfs.sh>
rootfs_image=codelab-python-rootfs:${key#python-}
if ! docker image inspect "$rootfs_image" >/dev/null 2>&1; then
  log "importing $rootfs as $rootfs_image"
  tar -C "$rootfs" --numeric-owner -c . | docker import - "$rootfs_image" >/dev/null
  # Earlier recipes' imports are ~730 MB each and no longer used.
  docker image ls --format '{{.Repository}}:{{.Tag}}' codelab-python-rootfs | grep -vxF "$rootfs_image" \
    | xargs -r docker image rm >/dev/null 2>&1 || true
fi

# --- 4. Build context: a staged copy of only what the Dockerfile needs (a snapshot, so a concurrent
# build in target/ cannot change it half-way). ---
ctx=$(mktemp -d /var/tmp/codelab-image-context.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/runsc" "$ctx/target" "$ctx/deploy"
cp -a deploy/entrypoint.sh deploy/jvm.options "$ctx/deploy/"
cp -a runsc/runner runsc/seccomp.json "$ctx/runsc/"
if $native; then
  cp -a pom.xml src "$ctx/"
  dockerfile=$here/Dockerfile.native
  args=(--build-arg "BUILDER_IMAGE=$BUILDER_IMAGE" --build-arg "BASE_IMAGE=codelab-base:bookworm-native")
else
  jar=target/quarkus-app/quarkus-run.jar
  if [ ! -f "$jar" ] || [ -n "$(find pom.xml src/main -newer "$jar" -print -quit)" ] || [ -n "${REBUILD_JAR:-}" ]; then
    log "building the fast-jar (${MVN:-mvn -B} -q package -DskipTests)"
    ${MVN:-mvn -B} -q package -DskipTests >&2 || die "mvn package failed"
  fi
  cp -a target/quarkus-app "$ctx/target/"
  dockerfile=$here/Dockerfile
  args=(--build-arg "BASE_IMAGE=codelab-base:bookworm")
fi

# --- 5. The image. ---
log "building $image"
previous=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
docker build -q -f "$dockerfile" "${args[@]}" --build-arg "PYTHON_ROOTFS_IMAGE=$rootfs_image" \
  --label "dev.codelab.revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  -t "$image" "$ctx" >&2 || die "docker build failed"
# The image this build replaced, now untagged (kept if a container still uses it).
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$image")" ]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi
docker image ls "$image" >&2
