#!/usr/bin/env bash
# QGIS Server on a deployment: write the demo project (when asked) into this replica's own
# /srv/qgis/demo, serve through qgis-server-entrypoint, and on SIGTERM drain before
# stopping: Swarm takes the task out of DNS first, but nginx keeps resolved addresses for
# a few seconds, and requests already inside a worker should finish.
set -Eeuo pipefail

log() { printf 'qgis-server-site: %s\n' "$*" >&2; }
die() { printf 'qgis-server-site: error: %s\n' "$*" >&2; exit 64; }

# The server image's loader (defaults.sh) and this image's defaults.
readonly LIB_DIR=/usr/local/lib/qgis-stack

read_env() {
	# shellcheck source=../../qgis-server/defaults.sh
	source "$LIB_DIR/defaults.sh"
	load_defaults "$LIB_DIR/site-defaults.env"
	: "${QGIS_STACK_BUSY_DIR:=/tmp/qgis-stack-busy}"
	# shellcheck source=../../qgis-server/busy-markers.sh
	source "$LIB_DIR/busy-markers.sh"
}

validate_env() {
	[[ "$STACK_DEMO_PROJECT" =~ ^(true|false)$ ]] || die "STACK_DEMO_PROJECT must be true or false"
	local name
	for name in STACK_DEMO_PROJECT_TIMEOUT QGIS_STACK_DRAIN_SECONDS QGIS_STACK_DRAIN_MAX_SECONDS; do
		[[ "${!name}" =~ ^[0-9]+$ ]] || die "$name must be whole seconds (got '${!name}')"
	done
}

# PostGIS may still be starting (Swarm has no start order): retry until the deadline.
write_demo_project() {
	local deadline=$((SECONDS + STACK_DEMO_PROJECT_TIMEOUT))
	until qgis-server-entrypoint make-demo-project /srv/qgis/demo; do
		((SECONDS < deadline)) ||
			die "could not write the demo project within $STACK_DEMO_PROJECT_TIMEOUT s (is PostGIS up?)"
		log "demo project not written yet (PostGIS not ready?); trying again"
		sleep 3
	done
}

# Keep serving for QGIS_STACK_DRAIN_SECONDS (longer than nginx keeps a resolved address),
# then until no worker is busy, at most QGIS_STACK_DRAIN_MAX_SECONDS; then stop.
drain_and_stop() {
	local started=$SECONDS
	log "SIGTERM: draining for $QGIS_STACK_DRAIN_SECONDS s before stopping"
	while ((SECONDS - started < QGIS_STACK_DRAIN_SECONDS)) ||
		{ (($(busy_worker_count) > 0)) && ((SECONDS - started < QGIS_STACK_DRAIN_MAX_SECONDS)); }; do
		sleep 1
	done
	log "stopping after $((SECONDS - started)) s of draining ($(busy_worker_count) worker(s) still busy)"
	kill -TERM "$server_pid" 2>/dev/null || true
	wait "$server_pid" || true
	exit 0
}

serve() {
	# Bad settings must fail the task at once (so a rolling update rolls back), not after
	# the demo project's retries: the server entrypoint validates them and runs `true`.
	qgis-server-entrypoint true || exit $?
	if [[ "$STACK_DEMO_PROJECT" == true ]]; then
		write_demo_project
	fi
	qgis-server-entrypoint serve &
	server_pid=$!
	trap drain_and_stop TERM INT
	local status=0
	wait "$server_pid" || status=$?
	# wait returns early when the trap fires; the trap itself exits.
	exit "$status"
}

main() {
	read_env
	validate_env
	case "${1:-serve}" in
	serve) serve ;;
	*) exec qgis-server-entrypoint "$@" ;;
	esac
}

main "$@"
