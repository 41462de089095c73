#!/usr/bin/env bash
# Healthy = a real FastCGI request reaches a worker, the stack_info plugin reports that
# every plugin found in QGIS_PLUGINPATH was loaded, and the worker watchdog is alive.
set -Eeuo pipefail

heartbeat="${QGIS_STACK_BUSY_DIR:-/tmp/qgis-stack-busy}/.heartbeat"
if ((${QGIS_WORKER_REQUEST_TIMEOUT:-120} > 0)) &&
	! [[ -f "$heartbeat" && $(($(date +%s) - $(stat -c %Y "$heartbeat"))) -lt 20 ]]; then
	echo "the worker watchdog is not running (no fresh $heartbeat)"
	exit 1
fi

response="$(
	REQUEST_METHOD=GET \
		QUERY_STRING='SERVICE=STACKINFO&REQUEST=GetInfo' \
		REQUEST_URI='/healthcheck?SERVICE=STACKINFO&REQUEST=GetInfo' \
		SCRIPT_NAME=/healthcheck SERVER_NAME=localhost SERVER_PORT=80 SERVER_PROTOCOL=HTTP/1.1 \
		QGIS_PROJECT_FILE="$QGIS_STACK_HEALTH_PROJECT" \
		timeout 8 cgi-fcgi -bind -connect "127.0.0.1:${QGIS_FCGI_PORT:-9993}"
)" || {
	echo "no answer from FastCGI on port ${QGIS_FCGI_PORT:-9993}"
	exit 1
}
body="${response#*$'\r\n\r\n'}"
echo "$body"
[[ "$body" == *'"healthy": true'* ]]
