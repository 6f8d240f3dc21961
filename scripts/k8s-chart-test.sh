#!/usr/bin/env bash
# The Helm chart against a real control plane: builds (once, cached) and starts kube-apiserver
# with etcd on loopback (scripts/k8s-apiserver.sh), runs scripts/k8s-chart-test.ts against it —
# CRDs, Pod Security "restricted", a server-side dry-run of every value set for the oldest and
# newest Kubernetes the chart claims, helm install → no-op upgrade → key rotation → rollback —
# and stops it. helm comes from scripts/helm-check.sh (run it first; CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
helm="${HELM_BIN:-$CACHE/bin/helm}"
[[ -x "$helm" ]] || { echo "k8s-chart-test: no helm at $helm: run scripts/helm-check.sh first" >&2; exit 1; }

start=$(date +%s)
bash scripts/k8s-apiserver.sh build >/dev/null
echo "k8s-chart-test: kube-apiserver ready to start after $(($(date +%s) - start)) s"

work=$(mktemp -d)
cleanup() {
  bash scripts/k8s-apiserver.sh stop "$work/cluster" || true
  rm -rf "$work"
}
trap cleanup EXIT
bash scripts/k8s-apiserver.sh start "$work/cluster"
# shellcheck disable=SC1091
source "$work/cluster/env"
export NODE_EXTRA_CA_CERTS="$K8S_CA"
# helm keeps its caches and repository config out of the user's home.
export HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" HELM_DATA_HOME="$work/helm/data"

status=0
node_modules/.bin/tsx scripts/k8s-chart-test.ts "$helm" helm/switchboard || status=$?
if [[ $status -ne 0 ]]; then
  echo "k8s-chart-test: kube-apiserver log (last lines):" >&2
  tail -n 20 "$work/cluster/apiserver.log" >&2 || true
fi
echo "k8s-chart-test: stage took $(($(date +%s) - start)) s"
exit "$status"
