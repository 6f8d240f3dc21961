#!/usr/bin/env bash
# The connection metric for the edge HPA on the single-node Kubernetes of scripts/k8s-node-up.sh:
# a real Prometheus on the host scraping the edge pods' /metrics (pod IPs from the API,
# kubernetes_sd_configs with the node's kubeconfig), and prometheus-adapter on the host serving
# custom.metrics.k8s.io to the API server (an APIService backed by a Service whose endpoint is the
# host's end of the pod bridge) with the chart's rule from deploy/prometheus-adapter/values.yaml.
# Both are built from the Go module proxy once (cached) and recorded in DIR, so
# scripts/k8s-node-down.sh DIR stops them.
#
#   scripts/k8s-node-metrics.sh DIR NAMESPACE        after k8s-node-up.sh DIR
#   scripts/k8s-node-metrics.sh --build              only build (or find) the two programs
#
# Environment: SWITCHBOARD_CACHE (default ~/.cache/switchboard) holds prometheus/<version>/ and
# prometheus-adapter/<version>/.
set -euo pipefail
cd "$(dirname "$0")/.."

PROMETHEUS_VERSION=v0.316.0 # Prometheus 3.x (the Go module's version line), as scripts/promtool.sh
ADAPTER_VERSION=v0.12.0
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
prometheus="$CACHE/prometheus/$PROMETHEUS_VERSION/prometheus"
adapter="$CACHE/prometheus-adapter/$ADAPTER_VERSION/adapter"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

log() { echo "k8s-node-metrics: $*" >&2; }
# shellcheck source=lib/k8s-local.sh
source scripts/lib/k8s-local.sh

build() {
  if [[ ! -x "$prometheus" || ! -x "$adapter" ]] && ! command -v go >/dev/null 2>&1; then
    log "the Go toolchain is needed to build Prometheus and prometheus-adapter; install Go 1.26+"
    exit 1
  fi
  if [[ ! -x "$prometheus" ]]; then
    log "building prometheus $PROMETHEUS_VERSION with go install (once; cached)"
    GOBIN="$(dirname "$prometheus")" nice go install "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION"
  fi
  if [[ ! -x "$adapter" ]]; then
    # `go install …@version` looks up the module's deprecation in its version list, which the
    # module proxy does not serve for this module; the version itself downloads, and builds with
    # its own go.mod and go.sum.
    log "building prometheus-adapter $ADAPTER_VERSION from the Go module proxy (once; cached)"
    local source
    source=$(cd /tmp && go mod download -json "sigs.k8s.io/prometheus-adapter@$ADAPTER_VERSION" |
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
    mkdir -p "$(dirname "$adapter")"
    (cd "$source" && nice go build -o "$adapter" ./cmd/adapter)
  fi
}

if [[ "${1:-}" == --build ]]; then
  build
  exit 0
fi
DIR=$(realpath "${1:?usage: k8s-node-metrics.sh DIR NAMESPACE}")
NAMESPACE=${2:?usage: k8s-node-metrics.sh DIR NAMESPACE}
# shellcheck disable=SC1091
source "$DIR/env"
build
mkdir -p "$DIR/metrics"


# ---- Prometheus: the edge pods of NAMESPACE, every 2 s --------------------------------------
prometheus_port=$(free_port)
cat >"$DIR/metrics/prometheus.yml" <<EOF
global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s }
scrape_configs:
  - job_name: switchboard-edge
    kubernetes_sd_configs:
      - role: pod
        kubeconfig_file: $KUBECONFIG
        namespaces: { names: [$NAMESPACE] }
    relabel_configs:
      # The edge pods' operations port (named http in the chart), as the ServiceMonitor does.
      - source_labels: [__meta_kubernetes_pod_label_app_kubernetes_io_component, __meta_kubernetes_pod_container_port_name]
        regex: edge;http
        action: keep
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
EOF
"$prometheus" --config.file "$DIR/metrics/prometheus.yml" --storage.tsdb.path "$DIR/metrics/tsdb" \
  --storage.tsdb.retention.time 1h --web.listen-address "127.0.0.1:$prometheus_port" \
  >"$DIR/logs/prometheus.log" 2>&1 &
echo $! >"$DIR/prometheus.pid"
wait_for prometheus 60 curl -sf "http://127.0.0.1:$prometheus_port/-/ready"

# ---- prometheus-adapter: the chart's rule, served to the API server -------------------------
# The rules of deploy/prometheus-adapter/values.yaml (values for the adapter's chart) as the
# adapter's own configuration file.
node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { parse, stringify } from "yaml";
  const values = parse(readFileSync(process.argv[1], "utf8"));
  writeFileSync(process.argv[2], stringify({ rules: values.rules.custom }));
' deploy/prometheus-adapter/values.yaml "$DIR/metrics/adapter.yaml"
adapter_port=$(free_port)
"$adapter" --prometheus-url "http://127.0.0.1:$prometheus_port" --config "$DIR/metrics/adapter.yaml" \
  --metrics-relist-interval 5s \
  --lister-kubeconfig "$KUBECONFIG" --authentication-kubeconfig "$KUBECONFIG" \
  --authorization-kubeconfig "$KUBECONFIG" \
  --bind-address "$K8S_POD_GATEWAY" --secure-port "$adapter_port" --cert-dir "$DIR/metrics/adapter-certs" \
  >"$DIR/logs/prometheus-adapter.log" 2>&1 &
echo $! >"$DIR/prometheus-adapter.pid"

# Service custom-metrics-adapter (kube-system) → the adapter on the host; the API server reaches
# it through the Service's ClusterIP (kube-proxy's rules on the host). The adapter's certificate
# is self-signed, hence insecureSkipTLSVerify (loopback and the pod bridge only).
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: { name: custom-metrics-adapter, namespace: kube-system }
spec: { ports: [{ name: https, port: 443, targetPort: $adapter_port, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: custom-metrics-adapter-host
  namespace: kube-system
  labels: { kubernetes.io/service-name: custom-metrics-adapter }
addressType: IPv4
endpoints: [{ addresses: ["$K8S_POD_GATEWAY"] }]
ports: [{ name: https, port: $adapter_port, protocol: TCP }]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.custom.metrics.k8s.io }
spec:
  group: custom.metrics.k8s.io
  version: v1beta1
  service: { name: custom-metrics-adapter, namespace: kube-system, port: 443 }
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
YAML
if ! wait_for "APIService v1beta1.custom.metrics.k8s.io" 90 \
  sh -c "kubectl get apiservice v1beta1.custom.metrics.k8s.io -o jsonpath='{.status.conditions[?(@.type==\"Available\")].status}' | grep -qx True"; then
  kubectl get apiservice v1beta1.custom.metrics.k8s.io -o jsonpath='{.status.conditions}' >&2 || true
  echo >&2
  tail -n 20 "$DIR/logs/prometheus-adapter.log" >&2
  exit 1
fi
echo "export PROMETHEUS_URL=http://127.0.0.1:$prometheus_port" >>"$DIR/env"
log "Prometheus on 127.0.0.1:$prometheus_port, prometheus-adapter serving custom.metrics.k8s.io"
