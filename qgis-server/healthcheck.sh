#!/usr/bin/env bash
# Healthy = a real FastCGI request reaches a worker, the stack_info plugin reports that
# every plugin found in QGIS_PLUGINPATH was loaded, and the worker watchdog is alive.
set -Eeuo pipefail

readonly HEARTBEAT_MAX_AGE_S=20
# A "Status: 200" line among the FastCGI answer's headers.
readonly STATUS_OK=$'(^|\n)Status:[[:space:]]*200[[:space:]]*(\n|$)'
# The report's own "healthy" field (its first level: no other field of it is an object
# holding "healthy"), true.
readonly HEALTHY_TRUE='^[[:space:]]*\{.*"healthy":[[:space:]]*true[[:space:]]*[,}]'

# shellcheck source=defaults.sh
source /usr/local/lib/qgis-stack/defaults.sh

# verdict FASTCGI_ANSWER: prints the body and succeeds when it is stack_info's report with
# "healthy": true (which it sends with status 200, and 503 otherwise). Plain bash: this runs
# every few seconds for the life of the container, and a Python start costs ~40 ms of CPU.
verdict() {
	local response="${1//$'\r'/}"
	local head="${response%%$'\n\n'*}" body="${response#*$'\n\n'}"
	printf '%s\n' "$body"
	[[ "$head" =~ $STATUS_OK && "$body" =~ $HEALTHY_TRUE ]]
}

watchdog_alive() {
	((QGIS_WORKER_REQUEST_TIMEOUT == 0)) && return 0
	local heartbeat="${QGIS_STACK_BUSY_DIR:?}/.heartbeat"
	[[ -f "$heartbeat" ]] && ((EPOCHSECONDS - $(stat -c %Y "$heartbeat") < HEARTBEAT_MAX_AGE_S))
}

main() {
	load_defaults /usr/local/lib/qgis-stack/defaults.env
	if ! watchdog_alive; then
		echo "the worker watchdog is not running (no fresh heartbeat in $QGIS_STACK_BUSY_DIR)"
		exit 1
	fi
	local response
	response="$(timeout 8 qgis-fcgi-request 'SERVICE=STACKINFO&REQUEST=GetInfo')" || {
		echo "no answer from the FastCGI workers at ${QGIS_FCGI_SOCKET:-port $QGIS_FCGI_PORT}"
		exit 1
	}
	verdict "$response"
}

main "$@"
