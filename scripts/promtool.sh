#!/usr/bin/env bash
# Checks the Prometheus alert rules as CI does, with a real promtool:
#   1. promtool built from the Go module proxy (`go install`, cached) when missing;
#   2. `promtool check rules` of deploy/prometheus/alerts.yaml and the chart's copy;
#   3. `promtool test rules` of deploy/prometheus/alerts.test.yaml (synthetic series).
# Environment: SWITCHBOARD_CACHE (default ~/.cache/switchboard) holds promtool/<version>/promtool.
set -euo pipefail
cd "$(dirname "$0")/.."

PROMETHEUS_VERSION=v0.316.0
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
BIN="$CACHE/promtool/$PROMETHEUS_VERSION"
promtool="$BIN/promtool"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

if [[ ! -x "$promtool" ]]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "promtool: the Go toolchain is needed to build promtool (go install); install Go 1.26+" >&2
    exit 1
  fi
  echo "promtool: building promtool $PROMETHEUS_VERSION with go install (once; cached in $BIN)"
  mkdir -p "$BIN"
  GOBIN="$BIN" go install "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
fi

"$promtool" check rules deploy/prometheus/alerts.yaml helm/switchboard/files/alerts.yaml
"$promtool" test rules deploy/prometheus/alerts.test.yaml
