#!/usr/bin/env bash
# Kills a QGIS worker that has been busy on one request for longer than
# QGIS_WORKER_REQUEST_TIMEOUT seconds; multiwatch then starts a fresh one. QGIS Server has
# no request time limit, and nginx's read timeout only frees the client, not the worker.
# The stack_guard plugin keeps a marker file per worker in QGIS_STACK_BUSY_DIR (busy-markers.sh).
set -Eeuo pipefail

# shellcheck source=busy-markers.sh
source /usr/local/lib/qgis-stack/busy-markers.sh

readonly BUSY_DIR="${QGIS_STACK_BUSY_DIR:?}"
readonly TIMEOUT="${QGIS_WORKER_REQUEST_TIMEOUT:?}"
readonly INTERVAL=2

log() { printf 'qgis-worker-watchdog: %s\n' "$*" >&2; }

# count_kill: tell the metrics exporter (qgis_stack_watchdog_kills_total), if there is one.
count_kill() {
	[[ -n "${QGIS_STACK_METRICS_EVENTS:-}" ]] || return 0
	printf '{"event":"watchdog_kill"}' >"/dev/udp/${QGIS_STACK_METRICS_EVENTS%:*}/${QGIS_STACK_METRICS_EVENTS##*:}" 2>/dev/null || true
}

# stop_if_overdue MARKER NOW: kill the marker's worker if its request is older than TIMEOUT.
stop_if_overdue() {
	local marker="$1" now="$2" pid started
	pid="${marker##*/}"
	started="$(stat -c %Y "$marker" 2>/dev/null)" || return 0 # the request just finished
	((now - started > TIMEOUT)) || return 0
	if kill -KILL "$pid" 2>/dev/null; then
		log "killed worker $pid, busy $((now - started)) s on $(head -c 400 "$marker" 2>/dev/null || echo '?')"
		count_kill
	fi
	rm -f "$marker"
}

main() {
	mkdir -p "$BUSY_DIR"
	log "killing workers busy on one request for more than $TIMEOUT s"
	local marker
	while true; do
		for marker in "$BUSY_DIR"/[0-9]*; do
			if [[ ! -d "/proc/${marker##*/}" ]]; then
				rm -f "$marker" # its worker ended (a replacement gets a marker of its own)
			elif marker_busy "$marker"; then
				stop_if_overdue "$marker" "$EPOCHSECONDS"
			fi
		done
		# Builtins only, but for sleep (and stat of a busy marker): this loop runs for the
		# life of the container, beside the workers.
		: >"$BUSY_DIR/.heartbeat"
		sleep "$INTERVAL"
	done
}

main "$@"
