#!/usr/bin/env bash
# Checks the Helm chart offline, as CI does:
#   1. a real helm, built from the Go module proxy (`go install`, cached) when missing;
#   2. helm lint --strict, with the default values and each helm/switchboard/ci/*-values.yaml;
#   3. helm template of the same value sets;
#   4. every rendered manifest validated against the Kubernetes schemas:
#      - scripts/validate-manifests.ts: the kubernetes-models JSON schemas (built-in kinds and
#        the KEDA, Prometheus Operator and Gateway API resources): required fields, types, enums;
#      - scripts/k8s-strict: strict decoding into the Kubernetes API's Go types (unknown and
#        duplicate fields, wrong types), as the API server's strict field validation does.
# The template unit tests (scripts/helm-chart.test.ts, run by `pnpm test`) use the same helm; the
# vendored NATS and Valkey charts (helm/switchboard/charts) are rendered with ours.
#
# Environment: SWITCHBOARD_CACHE (default ~/.cache/switchboard) holds bin/helm and the checker.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v3.22.0
# Helm's Makefile stamps the Kubernetes version it was built against (client-go v0.37 → 1.37)
# into the binary; `go install` does not, and helm would default to Kubernetes 1.20.
HELM_K8S_MINOR=37
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
BIN="$CACHE/bin"
mkdir -p "$BIN"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

if ! command -v go >/dev/null 2>&1; then
  echo "helm-check: the Go toolchain is needed to build helm (go install); install Go 1.26+" >&2
  exit 1
fi

helm="$BIN/helm"
if [[ ! -x "$helm" ]] || [[ "$("$helm" version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]]; then
  echo "helm-check: building helm $HELM_VERSION with go install (once; cached in $BIN)"
  start=$(date +%s)
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w \
    -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM_K8S_MINOR \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HELM_K8S_MINOR" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  echo "helm-check: helm built in $(($(date +%s) - start)) s"
fi
echo "helm-check: $("$helm" version --short)"

# The strict checker, rebuilt when its sources change.
strict_hash=$(cat scripts/k8s-strict/go.mod scripts/k8s-strict/go.sum scripts/k8s-strict/*.go | sha256sum | cut -c1-16)
strict="$BIN/k8s-strict-$strict_hash"
if [[ ! -x "$strict" ]]; then
  echo "helm-check: building scripts/k8s-strict"
  start=$(date +%s)
  (cd scripts/k8s-strict && go build -trimpath -o "$strict" .)
  echo "helm-check: k8s-strict built in $(($(date +%s) - start)) s"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chart=$(node_modules/.bin/tsx scripts/helm-chart.ts stage "$work")
# The Kubernetes version rendered for (as KUBE_VERSION in scripts/helm-chart.ts).
KUBE_VERSION=1.30.0

value_sets=(default)
for f in "$chart"/ci/*-values.yaml; do value_sets+=("$(basename "$f" -values.yaml)"); done

rendered=()
for set in "${value_sets[@]}"; do
  args=()
  [[ "$set" != default ]] && args=(--values "$chart/ci/$set-values.yaml")
  echo "helm-check: lint --strict ($set values)"
  "$helm" lint --strict --kube-version "$KUBE_VERSION" "$chart" "${args[@]}"
  out="$work/rendered-$set.yaml"
  "$helm" template sb "$chart" --namespace realtime --kube-version "$KUBE_VERSION" "${args[@]}" >"$out"
  echo "helm-check: template ($set values): $(grep -c '^kind:' "$out") objects"
  rendered+=("$out")
done

echo "helm-check: validating against the Kubernetes schemas (kubernetes-models)"
node_modules/.bin/tsx scripts/validate-manifests.ts "${rendered[@]}"
echo "helm-check: strict decoding into the Kubernetes API types (k8s-strict)"
"$strict" "${rendered[@]}" | grep -v '^skip ' || { echo "helm-check: strict decoding found errors" >&2; exit 1; }
echo "helm-check: chart OK (${#value_sets[@]} value sets: ${value_sets[*]})"
