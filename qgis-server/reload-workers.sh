#!/usr/bin/env bash
# Replaces every QGIS worker with a fresh one, one at a time, without failing a request:
# the way `make reload` applies changed plugins (workers load them only when they start).
#
# SIGUSR1 is libfcgi's graceful stop: a worker finishes the request it is on, and its next
# accept returns instead of taking another; multiwatch then starts a replacement. The next
# worker is only asked once that replacement waits for a request, so all but one worker keep
# serving throughout, and requests that arrive meanwhile queue on the shared socket.
set -Eeuo pipefail

# shellcheck source=defaults.sh
source /usr/local/lib/qgis-stack/defaults.sh
# shellcheck source=busy-markers.sh
source /usr/local/lib/qgis-stack/busy-markers.sh

readonly WORKER_NAME=qgis_mapserv.fc # /proc/PID/comm is cut to 15 characters
# multiwatch counts a worker that exits sooner than this after its start as a failed start
# (and gives its slot up after QGIS_WORKER_RETRIES of them): recycle older workers only.
readonly MIN_AGE_S=11

log() { printf 'qgis-server-reload: %s\n' "$*" >&2; }
die() { printf 'qgis-server-reload: error: %s\n' "$*" >&2; exit 1; }

read_env() {
	load_defaults /usr/local/lib/qgis-stack/defaults.env
	# How long a fresh worker may take to load its plugins and projects before we give up.
	: "${QGIS_WORKER_START_TIMEOUT:=120}"
	[[ "$QGIS_WORKER_REQUEST_TIMEOUT" =~ ^[0-9]+$ ]] || die "QGIS_WORKER_REQUEST_TIMEOUT must be a whole number"
	[[ "$QGIS_WORKER_START_TIMEOUT" =~ ^[0-9]+$ ]] || die "QGIS_WORKER_START_TIMEOUT must be a whole number"
	# A worker finishes its request first; the watchdog ends it at the request timeout.
	DRAIN_TIMEOUT_S=$((QGIS_WORKER_REQUEST_TIMEOUT > 0 ? QGIS_WORKER_REQUEST_TIMEOUT + 10 : 600))
}

worker_pids() {
	local dir
	for dir in /proc/[0-9]*; do
		[[ "$(cat "$dir/comm" 2>/dev/null)" == "$WORKER_NAME" ]] && printf '%s\n' "${dir#/proc/}"
	done
	return 0
}

alive() { [[ -d "/proc/$1" ]]; }

age_s() {
	local ticks uptime
	ticks="$(cut -d' ' -f22 "/proc/$1/stat" 2>/dev/null)" || return 1
	read -r uptime _ </proc/uptime
	echo $((${uptime%.*} - ticks / $(getconf CLK_TCK)))
}

# Ready: waiting for its first request, or already busy with one (the stack_guard plugin's
# marker for the worker is then not empty). A worker waits in accept(), or with accept-priority.c in
# epoll_wait(), which nothing else in a worker's main thread calls (Qt and libpq poll()).
ready() {
	local pid="$1" wchan
	wchan="$(cat "/proc/$pid/wchan" 2>/dev/null || true)"
	[[ "$wchan" == *accept* || "$wchan" == do_epoll_wait ]] || worker_busy "$pid"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds or time runs out.
wait_for() {
	local limit="$1" what="$2" deadline=$((SECONDS + $1))
	shift 2
	until "$@"; do
		((SECONDS < deadline)) || die "gave up after $limit s waiting for $what"
		sleep 0.1
	done
}

old_enough() { local age; age="$(age_s "$1")" && ((age >= MIN_AGE_S)); }
gone() { ! alive "$1"; }

# new_worker_ready BEFORE...: a worker not in BEFORE exists and is ready.
new_worker_ready() {
	local pid
	for pid in $(worker_pids); do
		[[ " $* " == *" $pid "* ]] && continue
		ready "$pid" && return 0
	done
	return 1
}

recycle() {
	local pid="$1" started=$SECONDS
	local -a before
	alive "$pid" || return 0 # it exited meanwhile and was replaced
	wait_for "$MIN_AGE_S" "worker $pid to be $MIN_AGE_S s old" old_enough "$pid"
	mapfile -t before < <(worker_pids)
	kill -USR1 "$pid"
	wait_for "$DRAIN_TIMEOUT_S" "worker $pid to finish its request" gone "$pid"
	wait_for "$QGIS_WORKER_START_TIMEOUT" "a replacement for worker $pid" new_worker_ready "${before[@]}"
	log "worker $pid replaced in $((SECONDS - started)) s"
}

main() {
	read_env
	local -a workers
	mapfile -t workers < <(worker_pids)
	((${#workers[@]} > 0)) || die "no $WORKER_NAME workers running"
	local started=$SECONDS pid
	for pid in "${workers[@]}"; do
		recycle "$pid"
	done
	log "replaced ${#workers[@]} worker(s) in $((SECONDS - started)) s"
}

main "$@"
