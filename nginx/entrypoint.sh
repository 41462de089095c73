#!/usr/bin/env bash
# nginx container entrypoint: read and validate the environment, render the config from
# its template, check it with `nginx -t`, then exec nginx in the foreground.
set -Eeuo pipefail

readonly TEMPLATE=/etc/qgis-stack/nginx.conf.template
readonly RUN_DIR=/tmp/nginx
readonly CONFIG="$RUN_DIR/nginx.conf"

log() { printf 'nginx: %s\n' "$*" >&2; }
die() { printf 'nginx: error: %s\n' "$*" >&2; exit 64; }

# require_match NAME REGEX HINT
require_match() {
	local name="$1" regex="$2" hint="$3"
	[[ "${!name}" =~ $regex ]] || die "$name must be $hint (got '${!name}')"
}

# The image's settings (Dockerfile ENV) and the stack's wiring (compose): required here,
# defaulted nowhere else.
readonly DEFAULTS=/etc/qgis-stack/nginx-defaults.env

# Every setting of the defaults file that is unset or empty takes its default.
load_defaults() {
	local name value
	while IFS='=' read -r name value; do
		[[ "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
		if [[ -z "${!name:-}" ]]; then export "$name=$value"; fi
	done <"$DEFAULTS"
}

read_env() {
	[[ -n "${QGIS_FCGI_ADDRESS:-}" ]] || die "QGIS_FCGI_ADDRESS is not set: host:port of the QGIS FastCGI workers"
	load_defaults
	# Re-resolve the QGIS service name, so a restarted container with a new address is found.
	: "${NGINX_RESOLVER:=$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)}"
	export QGIS_FCGI_ADDRESS NGINX_FCGI_CONNECT_TIMEOUT NGINX_FCGI_READ_TIMEOUT \
		NGINX_CLIENT_MAX_BODY_SIZE NGINX_LOG_LEVEL NGINX_RESOLVER
}

validate_env() {
	require_match QGIS_FCGI_ADDRESS '^[A-Za-z0-9._-]+:[0-9]+$' 'host:port of the QGIS FastCGI workers'
	require_match NGINX_FCGI_CONNECT_TIMEOUT '^[0-9]+(ms|s|m)?$' 'an nginx time such as 5s'
	require_match NGINX_FCGI_READ_TIMEOUT '^[0-9]+(ms|s|m)?$' 'an nginx time such as 60s'
	require_match NGINX_CLIENT_MAX_BODY_SIZE '^[0-9]+[kKmMgG]?$' 'an nginx size such as 16m'
	require_match NGINX_LOG_LEVEL '^(debug|info|notice|warn|error|crit)$' 'an nginx log level'
	[[ -n "$NGINX_RESOLVER" ]] || die "no nameserver in /etc/resolv.conf: set NGINX_RESOLVER"
	[[ -r /etc/qgis-stack/access/users.map ]] ||
		die "no /etc/qgis-stack/access/users.map: mount the access folder (STACK_ACCESS_DIR)"
	[[ -r /etc/qgis-stack/htpasswd ]] ||
		die "no /etc/qgis-stack/htpasswd: mount an htpasswd file (make up creates .secrets/htpasswd)"
}

render_config() {
	mkdir -p "$RUN_DIR"
	# The names are for envsubst to fill in, not for this shell.
	# shellcheck disable=SC2016
	envsubst '${QGIS_FCGI_ADDRESS} ${NGINX_FCGI_CONNECT_TIMEOUT} ${NGINX_FCGI_READ_TIMEOUT}
		${NGINX_CLIENT_MAX_BODY_SIZE} ${NGINX_LOG_LEVEL} ${NGINX_RESOLVER}' \
		<"$TEMPLATE" >"$CONFIG"
	nginx -t -q -c "$CONFIG" || die "the rendered config $CONFIG is invalid (see above)"
}

main() {
	read_env
	if [[ "${1:-nginx}" != nginx ]]; then
		exec "$@"
	fi
	validate_env
	render_config
	log "serving on :8080, QGIS FastCGI at $QGIS_FCGI_ADDRESS"
	exec nginx -c "$CONFIG" -g 'daemon off;'
}

main "$@"
