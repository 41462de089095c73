#!/usr/bin/env bash
# nginx container entrypoint: read and validate the environment, render the config from
# its templates, check it with `nginx -t`, then exec nginx in the foreground.
# `nginx-entrypoint reload` (make reload) renders the templates again and, if nginx accepts
# them, reloads gracefully: old workers finish their requests, new ones take new ones.
set -Eeuo pipefail

readonly TEMPLATE_DIR=/etc/qgis-stack/nginx
readonly RUN_DIR=/tmp/nginx
readonly CONFIG="$RUN_DIR/nginx.conf"
readonly METRICS_ACL="$RUN_DIR/metrics-allow.conf"
readonly STAGING_DIR="$RUN_DIR/staging"
# Shared with nginx-cache-watch: one reload at a time, never of a half-written config.
readonly RELOAD_LOCK="$RUN_DIR/reload.lock"
# How often the tile cache's watcher looks for changed projects, styles and rules.
readonly CACHE_WATCH_INTERVAL_S=2

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

# load_defaults: the same file as qgis-server/defaults.sh (tests/unit checks they match).
# shellcheck source=defaults.sh
source /usr/local/lib/qgis-stack/defaults.sh

read_env() {
	[[ -n "${QGIS_FCGI_ADDRESS:-}" ]] || die "QGIS_FCGI_ADDRESS is not set: host:port or unix:/path of the QGIS FastCGI workers"
	load_defaults "$DEFAULTS"
	: "${NGINX_RUN_DIR:=$RUN_DIR}"
	# Re-resolve the QGIS service name, so a restarted container with a new address is found.
	# What a request without Host is told; never the container's own address.
	NGINX_FALLBACK_HOST="${STACK_PUBLIC_HOST:-localhost${STACK_PUBLISHED_PORT:+:$STACK_PUBLISHED_PORT}}"
	: "${NGINX_RESOLVER:=$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)}"
	export QGIS_FCGI_ADDRESS NGINX_FCGI_CONNECT_TIMEOUT NGINX_FCGI_READ_TIMEOUT \
		NGINX_CLIENT_MAX_BODY_SIZE NGINX_LOG_LEVEL NGINX_RESOLVER NGINX_FALLBACK_HOST \
		STACK_TRUSTED_PROXIES STACK_INFO_ALLOW \
		QGIS_METRICS_ADDRESS NGINX_RUN_DIR NGINX_XML_MAX_BODY_SIZE STACK_XML_MAX_DEPTH \
		NGINX_TILE_CACHE_MAX_SIZE
}

validate_env() {
	require_match QGIS_FCGI_ADDRESS '^([A-Za-z0-9._-]+:[0-9]+|unix:/[A-Za-z0-9._/-]+)$' 'host:port or unix:/path of the QGIS FastCGI workers'
	require_match NGINX_FCGI_CONNECT_TIMEOUT '^[0-9]+(ms|s|m)?$' 'an nginx time such as 5s'
	require_match NGINX_FCGI_READ_TIMEOUT '^[0-9]+(ms|s|m)?$' 'an nginx time such as 60s'
	require_match NGINX_CLIENT_MAX_BODY_SIZE '^[0-9]+[kKmMgG]?$' 'an nginx size such as 16m'
	require_match NGINX_LOG_LEVEL '^(debug|info|notice|warn|error|crit)$' 'an nginx log level'
	require_match NGINX_FALLBACK_HOST '^[A-Za-z0-9.-]+(:[0-9]+)?$' 'host[:port] (STACK_PUBLIC_HOST) advertised to requests without a Host header'
	require_address_list STACK_TRUSTED_PROXIES
	require_address_list STACK_INFO_ALLOW
	require_match QGIS_METRICS_ADDRESS '^[A-Za-z0-9._-]+:[0-9]+$' 'host:port of the metrics exporter'
	local address
	for address in $STACK_METRICS_ALLOW; do
		[[ "$address" == all || "$address" =~ ^[0-9a-fA-F.:]+(/[0-9]+)?$ ]] ||
			die "STACK_METRICS_ALLOW must list addresses or CIDR ranges, or 'all' (got '$address')"
	done
	require_match NGINX_XML_MAX_BODY_SIZE '^[0-9]+[kKmM]?$' 'a size such as 4m'
	require_match STACK_XML_MAX_DEPTH '^[1-9][0-9]{0,3}$' 'a whole number from 1 to 9999'
	require_match NGINX_TILE_CACHE_MAX_SIZE '^[1-9][0-9]*[kKmMgG]?$' 'an nginx size such as 64m, well below NGINX_MEM_LIMIT (the cache is on the tmpfs)'
	[[ -n "$NGINX_RESOLVER" ]] || die "no nameserver in /etc/resolv.conf: set NGINX_RESOLVER"
	[[ -r /etc/qgis-stack/access/users.map ]] ||
		die "no /etc/qgis-stack/access/users.map: mount the access folder (STACK_ACCESS_DIR)"
	[[ -r /etc/qgis-stack/htpasswd ]] ||
		die "no /etc/qgis-stack/htpasswd: mount an htpasswd file (make up creates .secrets/htpasswd)"
}

# require_address_list NAME: empty, or addresses/CIDRs separated by spaces or commas.
require_address_list() {
	local name="$1" item
	for item in ${!name//,/ }; do
		[[ "$item" =~ ^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$ ]] ||
			die "$name must list IP addresses or CIDR ranges, separated by spaces or commas (got '$item')"
	done
}

# write_geo_entries NAME FILE: one "address 1;" line per entry of the list in NAME.
write_geo_entries() {
	local name="$1" file="$2" item
	: >"$file"
	for item in ${!name//,/ }; do
		printf '%s 1;\n' "$item" >>"$file"
	done
}

# write_info_allow FILE: the STACK_INFO_ALLOW entries. A request from a trusted proxy is judged
# by the client address the proxy appended to X-Forwarded-For (geo's `proxy`), not by the
# proxy's own: otherwise every client behind a proxy listed in STACK_INFO_ALLOW would get
# the full report.
write_info_allow() {
	local file="$1" proxy
	write_geo_entries STACK_INFO_ALLOW "$file"
	for proxy in ${STACK_TRUSTED_PROXIES//,/ }; do
		printf 'proxy %s;\n' "$proxy" >>"$file"
	done
}

# Who may read /metrics: one `allow` per address of STACK_METRICS_ALLOW, then deny the rest.
render_metrics_acl() {
	local address
	for address in $STACK_METRICS_ALLOW; do
		printf 'allow %s;\n' "$address"
	done >"$METRICS_ACL"
	printf 'deny all;\n' >>"$METRICS_ACL"
}

# bytes SIZE: an nginx size (4m, 512k, 1000) in bytes, for the body gate.
bytes() {
	local size="$1" number="${1%[kKmM]}"
	case "$size" in
	*[kK]) echo $((number * 1024)) ;;
	*[mM]) echo $((number * 1024 * 1024)) ;;
	*) echo "$number" ;;
	esac
}

# render_templates DIR: every *.conf.template of TEMPLATE_DIR into DIR, as *.conf. Included
# files are named by their rendered path, so DIR must be RUN_DIR when nginx reads them.
render_templates() {
	local dir="$1" template name
	mkdir -p "$dir"
	NGINX_XML_MAX_BODY_BYTES="$(bytes "$NGINX_XML_MAX_BODY_SIZE")"
	export NGINX_XML_MAX_BODY_BYTES
	for template in "$TEMPLATE_DIR"/*.conf.template; do
		name="$(basename "$template" .template)"
		# The names are for envsubst to fill in, not for this shell.
		# shellcheck disable=SC2016
		envsubst '${QGIS_FCGI_ADDRESS} ${NGINX_FCGI_CONNECT_TIMEOUT} ${NGINX_FCGI_READ_TIMEOUT}
			${NGINX_CLIENT_MAX_BODY_SIZE} ${NGINX_LOG_LEVEL} ${NGINX_RESOLVER} ${NGINX_RUN_DIR} ${NGINX_FALLBACK_HOST}
			${QGIS_METRICS_ADDRESS} ${NGINX_XML_MAX_BODY_BYTES} ${STACK_XML_MAX_DEPTH}
			${NGINX_TILE_CACHE_MAX_SIZE}' \
			<"$template" >"$dir/$name"
	done
}

render_config() {
	mkdir -p "$RUN_DIR"
	write_geo_entries STACK_TRUSTED_PROXIES "$RUN_DIR/trusted-proxies.conf"
	write_info_allow "$RUN_DIR/info-allow.conf"
	render_metrics_acl
	nginx-cache-watch once
	render_templates "$RUN_DIR"
	nginx -t -q -c "$CONFIG" || die "the rendered config $CONFIG is invalid (see above)"
}

# The running config stays in place until nginx has accepted the new one: a staging copy is
# tested first (with its includes pointing at the staging copies), then moved in.
# The tile cache's watcher reloads too: the lock keeps it from reading a half-written config.
reload_config() {
	local started=$SECONDS
	exec 9>"$RELOAD_LOCK"
	flock 9
	NGINX_RUN_DIR="$STAGING_DIR" render_templates "$STAGING_DIR"
	nginx -t -q -c "$STAGING_DIR/nginx.conf" ||
		die "the new config is invalid (see above); nginx keeps running the old one"
	render_templates "$RUN_DIR"
	rm -rf "$STAGING_DIR"
	nginx -c "$CONFIG" -s reload
	log "config reloaded in $((SECONDS - started)) s; old workers finish their requests"
}

main() {
	read_env
	case "${1:-nginx}" in
	nginx) ;;
	reload)
		validate_env
		reload_config
		return 0
		;;
	*) exec "$@" ;;
	esac
	validate_env
	render_config
	# Outlives this shell: it becomes a child of the nginx master that replaces it.
	nginx-cache-watch watch "$CONFIG" "$CACHE_WATCH_INTERVAL_S" &
	log "serving on :8080, QGIS FastCGI at $QGIS_FCGI_ADDRESS"
	exec nginx -c "$CONFIG" -g 'daemon off;'
}

main "$@"
