#!/usr/bin/env bash
# Installs what scripts/image-build.sh needs, when it is missing: podman and buildah (build and
# run the image without Docker), runc (the runtime the build uses: crun refuses hybrid cgroups),
# debootstrap (the Debian root filesystem the base images are made from) and binutils (strip).
# Node for the base images comes from PyPI, so pip must be there too.
set -euo pipefail
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
command -v strip >/dev/null 2>&1 || missing+=(binutils)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
if [ ${#missing[@]} -eq 0 ]; then
  echo "image dependencies present: podman, buildah, runc, debootstrap, strip, pip"
  exit 0
fi
# shellcheck source=lib/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
# With recommends: podman's network and storage helpers come with them.
apt_install --with-recommends "${missing[@]}"
