#!/usr/bin/env bash
# Stops the single-node Kubernetes that scripts/k8s-node-up.sh started in DIR and removes what it
# left on the host: pod containers and their network namespaces, the mounts under DIR, the pod
# bridge and the Service route, kube-proxy's rules, the kubelet's cgroups. Then deletes DIR (its logs stay
# with --keep-logs).
#
#   scripts/k8s-node-down.sh [DIR] [--keep-logs]      default DIR /tmp/switchboard-k8s-node
set -uo pipefail

DIR=$(realpath -m "${1:-/tmp/switchboard-k8s-node}")
keep_logs=false
[[ "${2:-}" == --keep-logs ]] && keep_logs=true
BRIDGE=sb-cni0
SERVICE_CIDR=10.96.0.0/16

log() { echo "k8s-node: $*" >&2; }

stop_pid() { # stop_pid NAME: SIGTERM, up to 10 s, then SIGKILL
  local file="$DIR/$1.pid" pid
  [[ -f "$file" ]] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
}

# The kubelet first, so it restarts nothing; then every container it had started.
stop_pid kubelet
sock="$DIR/containerd/containerd.sock"
if [[ -S "$sock" ]]; then
  ctr=(ctr --address "$sock" -n k8s.io)
  for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks kill --signal SIGKILL "$task" >/dev/null 2>&1 || true
  done
  sleep 1
  for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks delete --force "$task" >/dev/null 2>&1 || true
  done
  for container in $("${ctr[@]}" containers ls -q 2>/dev/null); do
    # The pod's network namespace, named in its sandbox's spec.
    "${ctr[@]}" containers info "$container" 2>/dev/null |
      grep -o '"/var/run/netns/cni-[0-9a-f-]*"' | tr -d '"' >>"$DIR/netns" || true
    "${ctr[@]}" containers delete "$container" >/dev/null 2>&1 || true
  done
fi
stop_pid containerd
# runc shims of this node's containerd outlive it; they name its socket in their arguments.
for proc in /proc/[0-9]*; do
  if tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -qF -- "-address $sock"; then
    kill -9 "${proc#/proc/}" 2>/dev/null || true
  fi
done
for name in coredns kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pid "$name"; done
# Anything else recorded in DIR (servers a test started for the pods).
for file in "$DIR"/*.pid; do
  [[ -f "$file" ]] && stop_pid "$(basename "$file" .pid)"
done

# Mounts under DIR (pod volumes, container root filesystems, network namespaces), deepest first.
if [[ -d "$DIR" ]]; then
  awk -v dir="$DIR" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
fi
# Network namespaces containerd made for this node's pods.
if [[ -f "$DIR/netns" ]]; then
  sort -u "$DIR/netns" | while read -r ns; do
    umount -l "$ns" 2>/dev/null || true
    rm -f "$ns"
  done
fi
ip link delete "$BRIDGE" 2>/dev/null || true
ip route delete "$SERVICE_CIDR" 2>/dev/null || true
# kube-proxy's Service rules, and the rule that keeps pod traffic on the bridge.
if [[ -x "$(cat "$DIR/bin-dir" 2>/dev/null)/kube-proxy" ]]; then
  "$(cat "$DIR/bin-dir")/kube-proxy" --cleanup >/dev/null 2>&1 || true
fi
while iptables -D FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment switchboard-node -j DROP 2>/dev/null; do :; done
# Chains the kubelet makes in the host's iptables (with makeIPTablesUtilChains off it makes none;
# older runs did).
for ipt in iptables ip6tables; do
  command -v "$ipt" >/dev/null 2>&1 || continue
  for chain in INPUT OUTPUT; do
    while "$ipt" -t filter -D "$chain" -j KUBE-FIREWALL 2>/dev/null; do :; done
  done
  for table in filter nat mangle; do
    for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
      "$ipt" -t "$table" -F "$chain" 2>/dev/null && "$ipt" -t "$table" -X "$chain" 2>/dev/null
    done
  done
done
# The kubelet's cgroups (cgroupfs driver), deepest first.
for hierarchy in /sys/fs/cgroup/*/; do
  [[ -d "$hierarchy/kubepods" ]] || continue
  find "$hierarchy/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done

if $keep_logs; then
  find "$DIR" -mindepth 1 -maxdepth 1 -not -name logs -exec rm -rf {} + 2>/dev/null || true
  log "stopped; logs kept in $DIR/logs"
else
  rm -rf "$DIR"
  log "stopped and removed $DIR"
fi
