#!/usr/bin/env bash
# A single-node Kubernetes on this machine, for running the chart's pods for real: etcd,
# kube-apiserver, kube-controller-manager and kube-scheduler on loopback, containerd (Debian) and
# a kubelet, pods on a bridge of their own. Everything it starts is recorded in DIR and stopped by
# scripts/k8s-node-down.sh DIR. Needs root.
#
#   scripts/k8s-node-up.sh [DIR] [VERSION]       default DIR /tmp/switchboard-k8s-node
#   source DIR/env                              KUBECONFIG, CONTAINERD_ADDRESS, K8S_POD_GATEWAY
#   ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images import image.tar   # what pods run
#
# What this host needs, and why:
#   - kubelet `failCgroupV1: false` (the host is cgroup v1) and `cgroupDriver: cgroupfs` (no
#     systemd); `failSwapOn: false`;
#   - containerd `restrict_oom_score_adj = true` (the VM lacks CAP_SYS_RESOURCE);
#   - the pause image built here from a tiny static C program (no registry to pull it from);
#   - pods on a bridge (`sb-cni0`, 10.244.0.0/24, the host at 10.244.0.1) with no default
#     route and no masquerade: pods reach the host, each other and Services, nothing else;
#   - Services: kube-proxy (iptables mode) and CoreDNS (cluster names only) run on the host,
#     CoreDNS on 10.244.0.1; ClusterIPs (10.96.0.0/16) are routed to the bridge.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

DIR=$(realpath -m "${1:-/tmp/switchboard-k8s-node}")
VERSION="${2:-v1.37.2}"
NODE_NAME=switchboard-node
POD_CIDR=10.244.0.0/24
POD_GATEWAY=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
BRIDGE=sb-cni0

log() { echo "k8s-node: $*" >&2; }
# shellcheck source=lib/k8s-local.sh
source scripts/lib/k8s-local.sh

[[ $(id -u) -eq 0 ]] || { log "needs root (containerd, kubelet, a bridge)"; exit 1; }
if [[ -f "$DIR/env" ]]; then
  log "$DIR already holds a node: scripts/k8s-node-down.sh $DIR first"
  exit 1
fi

# ---- programs -------------------------------------------------------------------------------
missing=()
command -v containerd >/dev/null 2>&1 || missing+=(containerd)
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v runc >/dev/null 2>&1 || [[ -x /usr/sbin/runc ]] || missing+=(runc)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
commands="kube-apiserver kubelet kube-scheduler kube-controller-manager kube-proxy"
# kubectl too, of the same version, where the machine has none.
command -v kubectl >/dev/null 2>&1 || commands="$commands kubectl"
bin=$(K8S_NODE_COMMANDS="$commands" bash scripts/k8s-node-build.sh "$VERSION")
coredns=$(bash scripts/k8s-node-build.sh --coredns)
export PATH="$PATH:$bin"

mkdir -p "$DIR"/{pki,etcd,containerd,cni/net.d,cni/ipam,kubelet,logs}
echo "$bin" >"$DIR/bin-dir"
started=$(date +%s)

# ---- certificates and credentials -----------------------------------------------------------
pki="$DIR/pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=switchboard-node-ca \
  -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
issue() { # issue NAME SUBJECT [SANS]: a certificate signed by the node's CA
  local name=$1 subject=$2 sans=${3:-}
  openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    ${sans:+-extfile <(printf 'subjectAltName=%s' "$sans")} -out "$pki/$name.crt" 2>/dev/null
}
issue apiserver /CN=kube-apiserver \
  "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
# The API server's client certificate towards the kubelet (logs, exec, port-forward).
issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
# The aggregation layer (custom.metrics.k8s.io from prometheus-adapter): the API server proxies
# to extension API servers with a client certificate from a CA of its own, which they trust for
# the requesting user's name in X-Remote-* headers.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=switchboard-node-front-proxy-ca \
  -keyout "$pki/front-proxy-ca.key" -out "$pki/front-proxy-ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=front-proxy-client \
  -keyout "$pki/front-proxy-client.key" -out "$pki/front-proxy-client.csr" 2>/dev/null
openssl x509 -req -in "$pki/front-proxy-client.csr" -CA "$pki/front-proxy-ca.crt" \
  -CAkey "$pki/front-proxy-ca.key" -CAcreateserial -days 2 -out "$pki/front-proxy-client.crt" 2>/dev/null
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
admin_token=$(token) node_token=$(token) scheduler_token=$(token) controllers_token=$(token)
proxy_token=$(token) dns_token=$(token)
{
  echo "$admin_token,admin,admin,system:masters"
  echo "$node_token,system:node:$NODE_NAME,node,system:nodes"
  echo "$scheduler_token,system:kube-scheduler,kube-scheduler"
  echo "$controllers_token,system:kube-controller-manager,kube-controller-manager"
  echo "$proxy_token,system:kube-proxy,kube-proxy"
  echo "$dns_token,system:coredns,coredns"
} >"$pki/tokens.csv"
chmod 600 "$pki"/*.key "$pki/tokens.csv"

etcd_port=$(free_port)
etcd_peer_port=$(free_port)
api_port=$(free_port)
server="https://127.0.0.1:$api_port"
kubeconfig() { # kubeconfig NAME TOKEN
  cat >"$DIR/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: node
    cluster: { server: "$server", certificate-authority: "$pki/ca.crt" }
users:
  - name: $1
    user: { token: "$2" }
contexts:
  - name: node
    context: { cluster: node, user: $1 }
current-context: node
EOF
  chmod 600 "$DIR/$1.kubeconfig"
}
kubeconfig admin "$admin_token"
kubeconfig kubelet "$node_token"
kubeconfig scheduler "$scheduler_token"
kubeconfig controller-manager "$controllers_token"
kubeconfig kube-proxy "$proxy_token"
kubeconfig coredns "$dns_token"

run() { # run NAME COMMAND…: in the background, logged and recorded for k8s-node-down.sh
  local name=$1
  shift
  "$@" >"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
}
on_failure() {
  log "failed; stopping what was started (logs kept in $DIR/logs)"
  for f in "$DIR"/logs/*.log; do
    log "--- $(basename "$f") (last lines)"
    tail -n 15 "$f" >&2
  done
  bash scripts/k8s-node-down.sh "$DIR" --keep-logs || true
}
trap on_failure ERR

# ---- control plane --------------------------------------------------------------------------
run etcd etcd --name switchboard-node --data-dir "$DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-cluster "switchboard-node=http://127.0.0.1:$etcd_peer_port" --log-level warn

run kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --token-auth-file "$pki/tokens.csv" --authorization-mode Node,RBAC \
  --enable-admission-plugins NodeRestriction \
  --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --endpoint-reconciler-type none \
  --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
  --kubelet-preferred-address-types InternalIP
wait_for kube-apiserver 120 curl -sf --cacert "$pki/ca.crt" -H "Authorization: Bearer $admin_token" "$server/readyz"

run kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig "$DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$DIR/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$(free_port)" --leader-elect=false \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --use-service-account-credentials=true

run kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig "$DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig "$DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig "$DIR/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$(free_port)" --leader-elect=false

# ---- pod network: a bridge of our own, no route out -----------------------------------------
ip link add "$BRIDGE" type bridge 2>/dev/null || true
ip addr replace "$POD_GATEWAY/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
# ClusterIPs lead to the bridge: kube-proxy rewrites them to pod IPs on the way, and a packet for
# one it does not know goes nowhere but the bridge (never out of the machine).
ip route replace "$SERVICE_CIDR" dev "$BRIDGE"
cat >"$DIR/cni/net.d/10-switchboard.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "switchboard-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$DIR/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "$SERVICE_CIDR", "gw": "$POD_GATEWAY" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF

# ---- containerd, and the pause image built here ---------------------------------------------
sock="$DIR/containerd/containerd.sock"
cat >"$DIR/containerd/config.toml" <<EOF
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
[grpc]
  address = "$sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni/net.d"
EOF
run containerd containerd --config "$DIR/containerd/config.toml"
wait_for containerd 60 ctr --address "$sock" version

pause="$DIR/pause"
mkdir -p "$pause/rootfs"
cat >"$pause/pause.c" <<'EOF'
/* The pod sandbox's process: holds the namespaces, reaps orphans, exits on SIGINT/SIGTERM. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
EOF
gcc -static -Os -s -o "$pause/rootfs/pause" "$pause/pause.c"
# An OCI image layout by hand: one layer (the binary), a config, a manifest, an index.
(
  cd "$pause"
  mkdir -p oci/blobs/sha256
  tar -C rootfs --numeric-owner --owner 0 --group 0 -cf layer.tar pause
  layer=$(sha256sum layer.tar | cut -d' ' -f1)
  cp layer.tar "oci/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer" >config.json
  config=$(sha256sum config.json | cut -d' ' -f1)
  cp config.json "oci/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$config" "$(stat -c %s config.json)" "$layer" "$(stat -c %s layer.tar)" >manifest.json
  manifest=$(sha256sum manifest.json | cut -d' ' -f1)
  cp manifest.json "oci/blobs/sha256/$manifest"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"registry.k8s.io/pause:3.10","org.opencontainers.image.ref.name":"3.10"}}]}' \
    "$manifest" "$(stat -c %s manifest.json)" >oci/index.json
  echo '{"imageLayoutVersion":"1.0.0"}' >oci/oci-layout
  tar -C oci -cf pause-image.tar .
)
ctr --address "$sock" -n k8s.io images import "$pause/pause-image.tar" >/dev/null
ctr --address "$sock" -n k8s.io images label registry.k8s.io/pause:3.10 io.cri-containerd.pinned=pinned >/dev/null || true

# ---- Services: kube-proxy (iptables) and CoreDNS on the host's end of the bridge --------------
# Pods reach ClusterIPs through the host (their one route besides the bridge): kube-proxy DNATs
# them to pod IPs, which the host forwards back onto the bridge, and only there: forwarding is on
# for the bridge alone, and anything from it bound elsewhere is dropped.
echo 1 >"/proc/sys/net/ipv4/conf/$BRIDGE/forwarding"
iptables -I FORWARD 1 -i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment switchboard-node -j DROP

# CoreDNS answers cluster names only (it forwards nothing), from the API.
kubectl --kubeconfig "$DIR/admin.kubeconfig" apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:coredns" }
EOF
cat >"$DIR/Corefile" <<EOF
.:53 {
  bind $POD_GATEWAY
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $DIR/coredns.kubeconfig node
    pods insecure
  }
  cache 30
}
EOF
run coredns "$coredns" -conf "$DIR/Corefile"

# ---- kubelet --------------------------------------------------------------------------------
cat >"$DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$sock
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
# The API server authenticates with a certificate from the node's CA; nothing else may.
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: "$pki/ca.crt" }
authorization: { mode: AlwaysAllow }
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
# The host's firewall is not the kubelet's to change (and nothing here needs its chains).
makeIPTablesUtilChains: false
healthzPort: 0
podCIDR: $POD_CIDR
resolvConf: /etc/resolv.conf
podLogsDir: $DIR/logs/pods
clusterDomain: cluster.local
clusterDNS: ["$POD_GATEWAY"]
serializeImagePulls: false
# A shared development machine: no evictions for its disk or memory.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF
run kubelet "$bin/kubelet" \
  --config "$DIR/kubelet/config.yaml" \
  --kubeconfig "$DIR/kubelet.kubeconfig" \
  --root-dir "$DIR/kubelet/root" --cert-dir "$DIR/kubelet/pki" \
  --hostname-override "$NODE_NAME" --v 1

export KUBECONFIG="$DIR/admin.kubeconfig"
wait_for "node $NODE_NAME Ready" 120 \
  sh -c "kubectl get node $NODE_NAME -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
# kube-proxy once the node is registered: it restarts itself when the node's addresses change.
proxy_healthz_port=$(free_port)
cat >"$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
clientConnection: { kubeconfig: "$DIR/kube-proxy.kubeconfig" }
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$proxy_healthz_port
metricsBindAddress: 127.0.0.1:$(free_port)
# Leave the host's conntrack settings alone (0: unchanged).
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
iptables: { localhostNodePorts: false }
nodePortAddresses: ["$POD_GATEWAY/32"]
EOF
run kube-proxy "$bin/kube-proxy" --config "$DIR/kube-proxy.yaml"
wait_for kube-proxy 60 curl -sf "http://127.0.0.1:$proxy_healthz_port/livez"
trap - ERR

cat >"$DIR/env" <<EOF
export PATH="\$PATH:$bin"
export KUBECONFIG=$DIR/admin.kubeconfig
export CONTAINERD_ADDRESS=$sock
export K8S_SERVER=$server
export K8S_VERSION=$VERSION
export K8S_NODE_NAME=$NODE_NAME
export K8S_POD_GATEWAY=$POD_GATEWAY
EOF
log "node $NODE_NAME Ready ($VERSION) $(($(date +%s) - started)) s after start; source $DIR/env"
