#!/usr/bin/env bash
# A real Kubernetes control plane for the chart tests, without a cluster: kube-apiserver built
# from the Go module proxy, etcd from the distribution, both on loopback. No controllers, no
# scheduler, no kubelet: API objects are stored and validated (admission, Pod Security,
# server-side apply, CRD schemas), pods never run.
#
#   scripts/k8s-apiserver.sh build [VERSION]  prints the cached kube-apiserver binary's path
#   scripts/k8s-apiserver.sh start DIR [VERSION]
#       starts etcd and kube-apiserver with their data in DIR; writes DIR/kubeconfig (admin
#       token), DIR/env (KUBECONFIG, K8S_SERVER, K8S_TOKEN, K8S_VERSION); returns when ready
#   scripts/k8s-apiserver.sh stop DIR         stops what `start DIR` started
#
# The build is scripts/k8s-node-build.sh's (kube-apiserver only): a wrapper module requires
# k8s.io/kubernetes VERSION, replaces every staging module with its published v0.MINOR.PATCH and
# stamps the version. Cached in $SWITCHBOARD_CACHE/k8s/VERSION (default ~/.cache/switchboard).
set -euo pipefail

DEFAULT_VERSION=v1.37.2
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

log() { echo "k8s-apiserver: $*" >&2; }
# shellcheck source=lib/k8s-local.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-local.sh"

build() {
  local dir
  # The node build script holds the recipe and the cache; this test needs the API server only.
  dir=$(K8S_NODE_COMMANDS=kube-apiserver bash "$(dirname "${BASH_SOURCE[0]}")/k8s-node-build.sh" "${1:-$DEFAULT_VERSION}")
  echo "$dir/kube-apiserver"
}

start() {
  local dir="$1" version="${2:-$DEFAULT_VERSION}" apiserver etcd
  apiserver=$(build "$version")
  etcd=$(command -v etcd || true)
  [[ -n "$etcd" ]] || { log "etcd is missing: apt-get install etcd-server (scripts/install-test-deps.sh)"; exit 1; }
  mkdir -p "$dir/pki" "$dir/etcd"
  local client_port peer_port api_port token
  client_port=$(free_port)
  peer_port=$(free_port)
  api_port=$(free_port)
  token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

  # The service-account issuer's key pair and the serving certificate (self-signed).
  openssl genrsa -out "$dir/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/pki/sa.key" -pubout -out "$dir/pki/sa.pub" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/pki/serving.key" -out "$dir/pki/serving.crt" 2>/dev/null
  echo "$token,admin,admin,system:masters" >"$dir/pki/tokens.csv"

  "$etcd" --name sb-test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "sb-test=http://127.0.0.1:$peer_port" \
    --log-level warn >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"

  "$apiserver" \
    --etcd-servers "http://127.0.0.1:$client_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$dir/pki/serving.crt" --tls-private-key-file "$dir/pki/serving.key" \
    --token-auth-file "$dir/pki/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --enable-priority-and-fairness=false \
    >"$dir/apiserver.log" 2>&1 &
  echo $! >"$dir/apiserver.pid"

  cat >"$dir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority: $dir/pki/serving.crt
users:
  - name: admin
    user:
      token: $token
contexts:
  - name: test
    context: { cluster: test, user: admin }
current-context: test
KUBECONFIG
  cat >"$dir/env" <<ENV
export KUBECONFIG=$dir/kubeconfig
export K8S_SERVER=https://127.0.0.1:$api_port
export K8S_TOKEN=$token
export K8S_CA=$dir/pki/serving.crt
export K8S_VERSION=$version
ENV

  local deadline=$((SECONDS + 120))
  until curl -sf --cacert "$dir/pki/serving.crt" -H "Authorization: Bearer $token" \
    "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; do
    if ((SECONDS > deadline)) || ! kill -0 "$(cat "$dir/apiserver.pid")" 2>/dev/null; then
      log "kube-apiserver did not become ready; last log lines:"
      tail -n 30 "$dir/apiserver.log" >&2
      stop "$dir"
      exit 1
    fi
    sleep 1
  done
  log "kube-apiserver $version ready on https://127.0.0.1:$api_port (etcd on :$client_port)"
}

stop() {
  local dir="$1" pid
  for name in apiserver etcd; do
    if [[ -f "$dir/$name.pid" ]]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

case "${1:-}" in
  build) build "${2:-}" ;;
  start) start "$2" "${3:-}" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 build [VERSION] | start DIR [VERSION] | stop DIR" >&2; exit 2 ;;
esac
