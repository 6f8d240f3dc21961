# shellcheck shell=bash
# Helpers shared by the scripts that run Kubernetes pieces on this host (k8s-apiserver.sh,
# k8s-node-up.sh, k8s-node-metrics.sh). Sourced, not run; the caller defines log() and, for
# wait_for, DIR (whose logs/ a timeout points at).

free_port() { # a loopback port that is free now (the OS picks it)
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_for() { # wait_for WHAT SECONDS COMMAND…: until COMMAND succeeds, or fails after SECONDS
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      log "$what: not ready in time; logs in $DIR/logs"
      return 1
    fi
    sleep 1
  done
}
