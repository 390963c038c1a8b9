#!/usr/bin/env bash
# Builds the Python sandbox root filesystem from Debian packages, cached outside the checkout
# under $CODELAB_CACHE keyed by a hash of this recipe. Prints the rootfs path on stdout.
# Rebuilds only when this file changes; safe to run concurrently (atomic rename).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CODELAB_CACHE:-/var/cache/codelab-sandbox}
key=$(sha256sum "$here/python-rootfs.sh" | cut -c1-16)
target="$cache/python-$key"

if [ -f "$target/complete" ]; then echo "$target/rootfs"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "python-rootfs: building the image needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || "$here/install-runsc.sh" >&2

# The data-science stack a CodeLab course imports. Only numpy/pandas/matplotlib are preloaded into the
# warm checkpoint; the rest imports on demand. IPython is here for IPython.display objects.
packages=python3,python3-numpy,python3-pandas,python3-matplotlib,python3-pil,fonts-dejavu-core
packages+=,python3-scipy,python3-sympy,python3-sklearn,python3-seaborn,python3-statsmodels
packages+=,python3-openpyxl,python3-networkx,python3-bs4,python3-tabulate,python3-ipython
# What course notebooks reach for besides: progress bars, DataFrame.style, interactive charts and their datasets.
packages+=,python3-tqdm,python3-jinja2,python3-plotly,python3-altair,python3-vega-datasets
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "python-rootfs: debootstrap bookworm into $work (several minutes)" >&2
debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" $("$here/debian-mirror.sh") >&2

r="$work/rootfs"
# The unprivileged user every program runs as.
echo 'sandbox:x:1000:1000:sandbox:/workspace:/usr/sbin/nologin' >> "$r/etc/passwd"
echo 'sandbox:x:1000:' >> "$r/etc/group"
mkdir -p "$r/workspace" "$r/opt/codelab"
# matplotlib: headless by default.
echo 'backend: Agg' > "$r/etc/matplotlibrc"
# Files of the image's own for what debootstrap copied from the build host: its name server and name.
# The sandbox has no network (--network=none): name lookups fail at once, locally.
printf '# no network in the sandbox\noptions timeout:1 attempts:1\n' > "$r/etc/resolv.conf"
echo sandbox > "$r/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tsandbox\n' > "$r/etc/hosts"

# Trim what a run never needs: compilers, headers, docs, package tooling caches.
rm -rf "$r"/usr/share/{doc,man,info,lintian,bug} "$r"/usr/include "$r"/usr/lib/gcc "$r"/usr/libexec/gcc \
       "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* "$r"/var/log/* "$r"/usr/share/python3/debian_defaults.d
find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C*' -exec rm -rf {} + 2>/dev/null || true
find "$r/usr/bin" \( -name '*gcc*' -o -name '*g++*' -o -name 'cpp*' -o -name 'x86_64-linux-gnu-*' -o -name 'gfortran*' \) -delete
find "$r/usr/lib/python3/dist-packages" -type d -name tests -prune -exec rm -rf {} +
# Bytecode for the read-only root (imports must not try to write .pyc files).
chroot "$r" python3 -m compileall -q -j 2 /usr/lib/python3 /usr/lib/python3.11 >/dev/null 2>&1 || true
du -sh "$r" >&2

rm -rf "$target"; mkdir -p "$target"
mv "$r" "$target/rootfs"
touch "$target/complete"
echo "$target/rootfs"
