#!/usr/bin/env bash
# Prints the path of a Centrifugo binary for the cluster benchmark (bench/cluster.ts), building
# it once from the Go module proxy when it is not cached yet:
#
#   GOBIN=~/.cache/switchboard/centrifugo/<version> go install github.com/centrifugal/centrifugo/v6@<version>
#
#   bash scripts/centrifugo.sh                        # v6.9.1
#   CENTRIFUGO_VERSION=v6.9.1 bash scripts/centrifugo.sh
#
# Needs Go (1.24+) only for the first build; exits 3 with a message when Go is missing.
# Messages go to stderr; the only thing on stdout is the binary's path.
set -euo pipefail

version="${CENTRIFUGO_VERSION:-v6.9.1}"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/switchboard/centrifugo/$version"
bin="$dir/centrifugo"

if [[ ! -x "$bin" ]]; then
  go="$(command -v go || true)"
  [[ -z "$go" && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  if [[ -z "$go" ]]; then
    echo "centrifugo.sh: Go is not installed, so Centrifugo $version cannot be built." >&2
    echo "  Install Go (https://go.dev/dl/), then run: bash scripts/centrifugo.sh" >&2
    echo "  (it runs: GOBIN=$dir go install github.com/centrifugal/centrifugo/v6@$version)" >&2
    exit 3
  fi
  echo "centrifugo.sh: building Centrifugo $version into $dir (once; a few minutes)" >&2
  mkdir -p "$dir"
  GOBIN="$dir" "$go" install "github.com/centrifugal/centrifugo/v6@$version" >&2
fi
echo "$bin"
