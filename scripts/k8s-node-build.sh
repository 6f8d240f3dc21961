#!/usr/bin/env bash
# Builds the Kubernetes node binaries a single-node cluster needs — kube-apiserver, kubelet,
# kube-scheduler, kube-controller-manager — with one `go build` from the Go module proxy, and
# prints the directory holding them: $SWITCHBOARD_CACHE/k8s/VERSION (default ~/.cache/switchboard).
#
#   scripts/k8s-node-build.sh [VERSION]
#   K8S_NODE_COMMANDS="kubelet kubectl" scripts/k8s-node-build.sh    other commands of k8s.io/kubernetes/cmd
#   scripts/k8s-node-build.sh --coredns       prints the cached CoreDNS binary's path
#
# scripts/k8s-apiserver.sh (the chart's API-server-only test) builds its kube-apiserver here too
# (K8S_NODE_COMMANDS=kube-apiserver), into the same cache. The recipe: a wrapper module requires
# k8s.io/kubernetes VERSION, replaces every staging module kubernetes' go.mod points at
# ./staging/… with its published v0.MINOR.PATCH (what the release tags as staging versions), and
# stamps the version (helm refuses the unstamped v0.0.0-master).
set -euo pipefail

DEFAULT_VERSION=v1.37.2
COREDNS_VERSION=v1.15.0
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
# shellcheck disable=SC2206 # a space-separated list
COMMANDS=(${K8S_NODE_COMMANDS:-kube-apiserver kubelet kube-scheduler kube-controller-manager})

log() { echo "k8s-node-build: $*" >&2; }

# CoreDNS for the node's cluster DNS: `go install`, cached beside the Kubernetes binaries.
if [[ "${1:-}" == --coredns ]]; then
  dir="$CACHE/k8s/coredns-$COREDNS_VERSION"
  if [[ ! -x "$dir/coredns" ]]; then
    log "building CoreDNS $COREDNS_VERSION — once, cached in $dir"
    start=$(date +%s)
    GOBIN="$dir" nice -n 10 go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION" >&2
    log "CoreDNS built in $(($(date +%s) - start)) s"
  fi
  echo "$dir/coredns"
  exit 0
fi

version="${1:-$DEFAULT_VERSION}"
dir="$CACHE/k8s/$version"
missing=()
for cmd in "${COMMANDS[@]}"; do [[ -x "$dir/$cmd" ]] || missing+=("$cmd"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "$dir"
  exit 0
fi
command -v go >/dev/null 2>&1 || { log "the Go toolchain is needed (go build); install Go 1.26+"; exit 1; }
staging="v0.${version#v1.}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
log "building ${missing[*]} $version (staging modules $staging) — once, cached in $dir"
mod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
{
  echo "module switchboard.test/k8s-node"
  echo
  echo "go $(sed -n 's/^go \(.*\)$/\1/p' "$mod")"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  # The sample-* modules are examples, not dependencies, and not all are published every release.
  sed -n '/^replace (/,/^)/p' "$mod" | awk '/=> \.\/staging/ && $1 !~ /sample-/ {print "\t" $1 " => " $1 " '"$staging"'"}'
  echo ")"
} >"$work/go.mod"
(
  cd "$work"
  for cmd in "${missing[@]}"; do go get "k8s.io/kubernetes/cmd/$cmd@$version" >&2; done
  pkg=k8s.io/component-base/version
  mkdir -p "$work/bin"
  # One build for all: the packages they share compile once.
  nice -n 10 go build -trimpath -o "$work/bin/" -ldflags "-s -w \
    -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$version" | cut -d. -f2) \
    -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z" \
    "${missing[@]/#/k8s.io/kubernetes/cmd/}" >&2
)
mkdir -p "$dir"
for cmd in "${missing[@]}"; do mv "$work/bin/$cmd" "$dir/$cmd"; done
log "${missing[*]} $version built in $(($(date +%s) - start)) s"
echo "$dir"
