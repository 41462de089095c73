#!/usr/bin/env bash
# How the image's scripts read stack_guard's busy markers (busy_marker.py writes them): one
# file per worker in QGIS_STACK_BUSY_DIR, named by its pid, that holds the request the
# worker is busy with and is empty while it is idle. Builtins only: the watchdog calls
# these every two seconds for the life of the container. Sourced, not run.
# shellcheck shell=bash

# marker_busy MARKER: whether the marker's worker is on a request.
marker_busy() { [[ -s "$1" ]]; }

# worker_busy PID
worker_busy() { marker_busy "${QGIS_STACK_BUSY_DIR:?}/$1"; }

# busy_worker_count: how many workers are on a request now.
busy_worker_count() {
	local marker count=0
	for marker in "${QGIS_STACK_BUSY_DIR:?}"/[0-9]*; do
		if marker_busy "$marker"; then count=$((count + 1)); fi
	done
	echo "$count"
}
