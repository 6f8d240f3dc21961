# Sourced by the image scripts: points podman and buildah at a containers.conf of our own
# (CONTAINERS_CONF; the machine's /etc/containers files stay untouched) with the three settings
# this kind of host needs:
#   - runc, not crun: crun refuses the host's hybrid cgroup v1 layout;
#   - cgroupfs: there is no systemd to manage cgroups;
#   - ulimits within the host's hard limits (20000 open files here): podman's defaults ask for
#     more, and the container fails to start.
# shellcheck shell=bash
SWITCHBOARD_IMAGE_CACHE=${SWITCHBOARD_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchboard/image}
mkdir -p "$SWITCHBOARD_IMAGE_CACHE"
cat >"$SWITCHBOARD_IMAGE_CACHE/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
export SWITCHBOARD_IMAGE_CACHE
export CONTAINERS_CONF="$SWITCHBOARD_IMAGE_CACHE/containers.conf"
