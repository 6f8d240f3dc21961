#!/usr/bin/env bash
# Installs the system programs the tests start for real, when they are missing:
# nats-server and redis-server (cluster-mode tests; redis-cli from redis-tools builds Redis Clusters,
# and redis-server --sentinel runs the Sentinels), haproxy (the multi-edge fault tests)
# chromium (the browser test) and etcd (the kube-apiserver of scripts/k8s-chart-test.sh).
set -euo pipefail
missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
# The test PKI (TLS to NATS and Redis in the secured cluster) is made with openssl.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies present: nats-server, redis-server, redis-cli, haproxy, chromium, etcd, openssl"
  exit 0
fi
# shellcheck source=lib/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
apt_install "${missing[@]}"
