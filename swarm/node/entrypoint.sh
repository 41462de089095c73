#!/usr/bin/env bash
# Simulated Swarm node: start dockerd listening on a unix socket in a folder the host
# mounts (so the host's docker CLI reaches this engine without a TCP port), then wait on it.
set -Eeuo pipefail

log() { printf 'swarm-node: %s\n' "$*" >&2; }
die() { printf 'swarm-node: error: %s\n' "$*" >&2; exit 64; }

read_env() {
	: "${SWARM_NODE_SOCKET_DIR:=/run/qgis-stack-node}"
	export SWARM_NODE_SOCKET_DIR
}

validate_env() {
	[[ -d "$SWARM_NODE_SOCKET_DIR" ]] ||
		die "$SWARM_NODE_SOCKET_DIR is not a directory: mount a host folder there (SWARM_NODE_SOCKET_DIR)"
}

# The node does not run --privileged: where the host engine lacks a capability (here
# CAP_SYS_RESOURCE), privileged containers cannot start at all. It gets every other
# capability instead, and makes /sys and the cgroup hierarchies writable itself.
writable_kernel_interfaces() {
	local target
	mount -o remount,rw /sys || die "cannot remount /sys read-write: start the node with CAP_SYS_ADMIN"
	while read -r _ target _; do
		mount -o remount,bind,rw "$target" || die "cannot remount $target read-write"
	done < <(awk '$3 == "cgroup" || $3 == "cgroup2" || ($3 == "tmpfs" && $2 == "/sys/fs/cgroup")' /proc/self/mounts)
}

main() {
	read_env
	validate_env
	writable_kernel_interfaces
	# A restarted node keeps its writable layer: stale pid files of the last run would
	# name processes that no longer exist (or other ones), and dockerd refuses to start.
	rm -rf "$SWARM_NODE_SOCKET_DIR/docker.sock" /var/run/docker.pid /var/run/docker
	log "starting dockerd, socket $SWARM_NODE_SOCKET_DIR/docker.sock"
	exec dockerd --host "unix://$SWARM_NODE_SOCKET_DIR/docker.sock" --host unix:///var/run/docker.sock \
		--storage-driver overlay2 --log-level warn "$@"
}

main "$@"
