#!/usr/bin/env bash
# Builds the Switchboard image from the Dockerfile with podman (no Docker daemon, no registry):
# the base images come from scripts/image-base.sh (Debian packages + Node 24 from PyPI), both
# stages build with `--network host`, BuildKit cache mounts included, and the build stage reaches
# the npm registry with this machine's CA bundle passed as a build secret (never in a layer).
#
#   bash scripts/image-build.sh [tag]        # default switchboard:dev
#
# Settings podman needs here, in a containers.conf passed with CONTAINERS_CONF (the machine's own
# /etc/containers files stay as they are); scripts that run the image afterwards export the same
# variable (`source scripts/image-env.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-switchboard:dev}

bash scripts/image-deps.sh
# shellcheck source=scripts/image-env.sh
source scripts/image-env.sh

start=$(date +%s)
bash scripts/image-base.sh
base_done=$(date +%s)

ca=${CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}
secret=()
if [ -f "$ca" ]; then secret=(--secret "id=ca,src=$ca"); fi

podman build \
  --network host \
  --format docker \
  --build-arg BUILD_IMAGE=localhost/switchboard-base:node24 \
  --build-arg RUNTIME_IMAGE=localhost/switchboard-base:node24-slim \
  --build-arg VERSION="$(node -p 'require("./package.json").version ?? "dev"' 2>/dev/null || echo dev)" \
  --build-arg REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "${secret[@]}" \
  --tag "$tag" \
  .
end=$(date +%s)

size=$(podman image inspect --format '{{ .Size }}' "$tag")
echo "built $tag: $((size / 1000000)) MB (${size} bytes); base images $((base_done - start)) s, image $((end - base_done)) s"
