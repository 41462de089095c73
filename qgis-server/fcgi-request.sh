#!/usr/bin/env bash
# qgis-fcgi-request QUERY_STRING [PROJECT_FILE]: one FastCGI GET to this container's workers,
# printing the raw answer (headers, blank line, body). The health check and the tests that
# talk to workers without nginx use it, so the request's environment is built in one place.
set -Eeuo pipefail

main() {
	local query="${1:?usage: qgis-fcgi-request QUERY_STRING [PROJECT_FILE]}"
	local project="${2:-${QGIS_STACK_HEALTH_PROJECT:?the image sets QGIS_STACK_HEALTH_PROJECT}}"
	local address="${QGIS_FCGI_SOCKET:-127.0.0.1:${QGIS_FCGI_PORT:?set QGIS_FCGI_PORT to the workers\' FastCGI port}}"
	REQUEST_METHOD=GET QUERY_STRING="$query" REQUEST_URI="/fcgi-request?$query" \
		SCRIPT_NAME=/fcgi-request SERVER_NAME=localhost SERVER_PORT=80 SERVER_PROTOCOL=HTTP/1.1 \
		QGIS_PROJECT_FILE="$project" \
		exec cgi-fcgi -bind -connect "$address"
}

main "$@"
