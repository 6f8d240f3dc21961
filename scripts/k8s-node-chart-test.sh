#!/usr/bin/env bash
# The Helm chart's pods running for real: starts a single-node Kubernetes
# (scripts/k8s-node-up.sh), loads the image built by scripts/image-build.sh into its containerd,
# installs the chart (release `sb`) with NATS and Redis run on the host behind Services `nats`
# and `redis` (no registry to pull the dependency charts' images from), waits for every pod
# Running and Ready, runs e2e/k8s through the edge and api Services (connect, join, a publish
# through the api, the drain on pod deletion), and stops everything.
#
#   bash scripts/k8s-node-chart-test.sh [IMAGE [VITEST ARGS…]]     IMAGE default switchboard:ci
#   SWITCHBOARD_CHART=path/to/chart …                               another copy of the chart
#   SWITCHBOARD_K8S_HPA=1 …        also the edge HPA on the connection metric: Prometheus and
#                                  prometheus-adapter on the host (scripts/k8s-node-metrics.sh),
#                                  the chart with edge.autoscaling on (min 1, max 2, 20
#                                  connections per pod, short windows), then e2e/k8s/hpa.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-switchboard:ci}
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
helm="${HELM_BIN:-$CACHE/bin/helm}"
[[ -x "$helm" ]] || { echo "k8s-node-chart-test: no helm at $helm: run scripts/helm-check.sh first" >&2; exit 1; }
namespace=realtime
chart=${SWITCHBOARD_CHART:-helm/switchboard}
start=$(date +%s)

work=$(mktemp -d)
dir="$work/node"
status=0
cleanup() {
  if [[ $status -ne 0 && -f "$dir/env" ]]; then
    kubectl get pods -A -o wide >&2 || true
    kubectl -n "$namespace" describe pods >"$work/describe.txt" 2>&1 && tail -n 60 "$work/describe.txt" >&2
    # What the pods said last (the previous container's log when one crashed).
    for pod in $(kubectl -n "$namespace" get pods -o name 2>/dev/null); do
      echo "--- $pod (log)" >&2
      kubectl -n "$namespace" logs "$pod" --previous --tail 15 >&2 2>/dev/null ||
        kubectl -n "$namespace" logs "$pod" --tail 15 >&2 2>&1 || true
    done
  fi
  bash scripts/k8s-node-down.sh "$dir" || true
  rm -rf "$work"
}
trap 'status=$?; cleanup' EXIT

bash scripts/k8s-node-up.sh "$dir"
# shellcheck disable=SC1091
source "$dir/env"

# NATS and Redis for the pods, on the host's end of the pod bridge; stopped by k8s-node-down.sh.
nats-server --addr "$K8S_POD_GATEWAY" --port 4222 >"$dir/logs/nats.log" 2>&1 &
echo $! >"$dir/nats.pid"
redis-server --bind "$K8S_POD_GATEWAY" --port 6379 --save '' --appendonly no --protected-mode no \
  >"$dir/logs/redis.log" 2>&1 &
echo $! >"$dir/redis.pid"

hpa=${SWITCHBOARD_K8S_HPA:-}
hpa_target=20
autoscaling=()
if [[ -n "$hpa" ]]; then
  bash scripts/k8s-node-metrics.sh "$dir" "$namespace"
  # One edge, a second above 20 connections each; back to one 15 s after they are gone. A short
  # drain (preStop 2 s + window 4 s + margin 5 s) fits the 15 s scale-down period.
  autoscaling=(
    --set edge.autoscaling.enabled=true --set edge.autoscaling.metricsScrapedElsewhere=true
    --set edge.autoscaling.minReplicas=1 --set edge.autoscaling.maxReplicas=2
    --set edge.autoscaling.targetConnectionsPerPod="$hpa_target"
    --set edge.autoscaling.scaleUp.periodSeconds=15
    --set edge.autoscaling.scaleDown.stabilizationWindowSeconds=15
    --set edge.autoscaling.scaleDown.periodSeconds=15
    --set edge.drain.preStopSleepSeconds=2 --set edge.drain.windowSeconds=4
    --set edge.drain.marginSeconds=5
  )
fi

# The image, from podman's storage into the node's containerd.
# shellcheck source=scripts/image-env.sh
source scripts/image-env.sh
podman save --format docker-archive --output "$work/image.tar" "$image" >/dev/null
ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images import "$work/image.tar" >/dev/null
repository=$(podman image inspect --format '{{ index .RepoTags 0 }}' "$image")
tag=${repository##*:}
repository=${repository%:*}

# Services `nats` and `redis` for the pods, backed by the servers on the host: plaintext and
# without credentials, on the node's private bridge, so the chart runs with SB_BUS_INSECURE=true
# (SB_ENV=production refuses such a bus otherwise).
kubectl create namespace "$namespace" >/dev/null
for name_port in nats:4222 redis:6379; do
  name=${name_port%:*} port=${name_port#*:}
  kubectl -n "$namespace" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: { name: $name }
spec: { ports: [{ name: tcp, port: $port, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $name-host
  labels: { kubernetes.io/service-name: $name }
addressType: IPv4
endpoints: [{ addresses: ["$K8S_POD_GATEWAY"] }]
ports: [{ name: tcp, port: $port, protocol: TCP }]
YAML
done

jwt_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
api_key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
kubectl -n "$namespace" create secret generic sb-node-jwt --from-literal=jwt-secrets="$jwt_secret" >/dev/null
kubectl -n "$namespace" create secret generic sb-node-api-keys --from-literal=api-keys="$api_key" >/dev/null
export HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" HELM_DATA_HOME="$work/helm/data"
"$helm" install sb "$chart" --namespace "$namespace" --wait=false \
  --set image.repository="$repository" --set image.tag="$tag" --set image.pullPolicy=Never \
  --set externalNats.url=nats://nats:4222 --set externalRedis.url=redis://redis:6379 \
  --set jwt.existingSecret=sb-node-jwt --set apiKeys.existingSecret=sb-node-api-keys \
  --set topologySpread.enabled=false \
  --set-string config.SB_BUS_INSECURE=true \
  --set edge.replicaCount=1 --set auth.replicaCount=1 --set router.replicaCount=1 \
  --set presence.replicaCount=1 --set api.replicaCount=1 "${autoscaling[@]}"

echo "k8s-node-chart-test: waiting for the pods"
# One pod per component (5) once the controllers have made them, then all Ready.
for _ in $(seq 60); do
  [[ $(kubectl -n "$namespace" get pods -o name | wc -l) -ge 5 ]] && break
  sleep 1
done
kubectl -n "$namespace" wait --for=condition=Ready pods --all --timeout=180s
kubectl -n "$namespace" get pods -o wide

pod_of() { kubectl -n "$namespace" get pods -l "app.kubernetes.io/component=$1" -o jsonpath='{.items[0].metadata.name}'; }
cluster_ip() { kubectl -n "$namespace" get service "$1" -o jsonpath='{.spec.clusterIP}'; }
edge_pod=$(pod_of edge)
SB_K8S_EDGE="$(cluster_ip sb-switchboard-edge):8080" SB_K8S_EDGE_POD="$edge_pod" \
  SB_K8S_API="$(cluster_ip sb-switchboard-api):50051" \
  SB_K8S_NAMESPACE="$namespace" SB_K8S_JWT_SECRET="$jwt_secret" SB_K8S_API_KEY="$api_key" \
  pnpm vitest run e2e/k8s "${@:2}"
if [[ -n "$hpa" ]]; then
  # After the test above (which deletes an edge pod), on its own: the HPA test counts every
  # connection. Its JSON report, if asked for, goes next to the first one (NAME-hpa.json).
  args=()
  for arg in "${@:2}"; do args+=("${arg/%.json/-hpa.json}"); done
  SB_K8S_EDGE="$(cluster_ip sb-switchboard-edge):8080" SB_K8S_HPA=1 SB_K8S_HPA_TARGET="$hpa_target" \
    SB_K8S_NAMESPACE="$namespace" SB_K8S_JWT_SECRET="$jwt_secret" \
    pnpm vitest run e2e/k8s/hpa.test.ts "${args[@]}"
fi
echo "k8s-node-chart-test: stage took $(($(date +%s) - start)) s"
