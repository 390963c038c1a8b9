#!/usr/bin/env bash
# Renders k8s/base and every k8s/overlays/* with `kubectl kustomize` and checks
# every rendered object, strictly and offline, against the Kubernetes OpenAPI
# schemas (see validate/validate.mjs). Exits non-zero if a kustomization does
# not render or any object is invalid; the last line is the summary.
#
#   k8s/validate.sh
#
# Installs what it needs when missing: kubectl (Debian's kubernetes-client, as
# root) and the validator's npm packages (npm ci in k8s/validate).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

die() {
    echo "k8s: $*" >&2
    exit 1
}

# --- kubectl, with a kustomize that reads current kustomizations ------------
if ! command -v kubectl >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        die "kubectl not found; install it (Debian: apt-get install kubernetes-client)"
    fi
    echo "k8s: kubectl not found, installing kubernetes-client" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >&2
fi
# kubectl 1.21+ embeds kustomize v4 or later; older ones (v2.0.3) cannot read
# `patches:`, `replicas:` or a directory under `resources:`.
minor="$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1)"
if [ -z "$minor" ] || [ "$minor" -lt 21 ]; then
    die "kubectl $(kubectl version --client --short 2>/dev/null || echo '(unknown version)') is too old: need 1.21 or later (kustomize v4+)"
fi

# --- node packages ------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node not found (Node.js 18 or later is needed)"
if [ ! -f validate/node_modules/.package-lock.json ] ||
    [ validate/package-lock.json -nt validate/node_modules/.package-lock.json ]; then
    echo "k8s: installing validator packages (npm ci in k8s/validate)" >&2
    (cd validate && npm ci --no-audit --no-fund --loglevel=error >&2) ||
        die "npm ci failed in k8s/validate"
fi

# --- render -----------------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dirs=(base)
for d in overlays/*/; do
    [ -f "${d}kustomization.yaml" ] && dirs+=("${d%/}")
done

inputs=()
failed=()
for d in "${dirs[@]}"; do
    out="$work/${d//\//_}.yaml"
    if kubectl kustomize "$d" >"$out" 2>"$out.err"; then
        # Deprecation notices and the like: show them, they are not fatal.
        sed "s|^|WARNING k8s/$d: |" "$out.err" >&2
        inputs+=("k8s/$d=$out")
    else
        echo "INVALID k8s/$d: kubectl kustomize failed:" >&2
        sed 's/^/    /' "$out.err" >&2
        failed+=("k8s/$d")
    fi
done

# --- validate ------------------------------------------------------------------
status=0
if [ "${#inputs[@]}" -gt 0 ]; then
    node validate/validate.mjs "${inputs[@]}" || status=$?
fi
if [ "${#failed[@]}" -gt 0 ]; then
    die "kustomize could not render: ${failed[*]}"
fi
exit "$status"
