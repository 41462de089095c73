#!/usr/bin/env bash
# Healthy = a real FastCGI request reaches a worker, the stack_info plugin reports that
# every plugin found in QGIS_PLUGINPATH was loaded, and the worker watchdog is alive.
set -Eeuo pipefail

readonly HEARTBEAT_MAX_AGE_S=20
# Prints the body of a FastCGI answer (headers, a blank line, the body) and exits 0 only
# when it is a JSON report saying "healthy": true.
readonly VERDICT='
import json, re, sys
body = re.split(r"\r?\n\r?\n", sys.argv[1], maxsplit=1)[-1]
print(body)
try:
    healthy = json.loads(body).get("healthy") is True
except ValueError:
    healthy = False
sys.exit(0 if healthy else 1)
'

# shellcheck source=defaults.sh
source /usr/local/lib/qgis-stack/defaults.sh

watchdog_alive() {
	((QGIS_WORKER_REQUEST_TIMEOUT == 0)) && return 0
	local heartbeat="${QGIS_STACK_BUSY_DIR:?}/.heartbeat"
	[[ -f "$heartbeat" ]] && (($(date +%s) - $(stat -c %Y "$heartbeat") < HEARTBEAT_MAX_AGE_S))
}

main() {
	load_defaults /usr/local/lib/qgis-stack/defaults.env
	if ! watchdog_alive; then
		echo "the worker watchdog is not running (no fresh heartbeat in $QGIS_STACK_BUSY_DIR)"
		exit 1
	fi
	local response
	response="$(timeout 8 qgis-fcgi-request 'SERVICE=STACKINFO&REQUEST=GetInfo')" || {
		echo "no answer from the FastCGI workers on port $QGIS_FCGI_PORT"
		exit 1
	}
	# The verdict is the report's "healthy" field, read as JSON (not by its layout).
	python3 -c "$VERDICT" "$response"
}

main "$@"
