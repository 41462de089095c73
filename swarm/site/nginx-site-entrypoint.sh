#!/usr/bin/env bash
# nginx on a deployment: render the TLS front (nginx-tls.conf.template) and the trusted
# proxy list next to the stack's own config, then hand over to nginx-entrypoint, whose
# config includes /tmp/nginx/site.d/*.conf.
set -Eeuo pipefail

readonly TEMPLATE=/etc/qgis-stack/nginx-tls.conf.template
readonly SITE_DIR=/tmp/nginx/site.d

die() { printf 'nginx-site: error: %s\n' "$*" >&2; exit 64; }

# The nginx image's defaults (the one home of NGINX_* and STACK_TRUSTED_PROXIES).
readonly DEFAULTS=/etc/qgis-stack/nginx-defaults.env

# load_defaults, from the nginx image.
# shellcheck source=../../nginx/defaults.sh
source /usr/local/lib/qgis-stack/defaults.sh

read_env() {
	load_defaults "$DEFAULTS"
	: "${STACK_PUBLIC_HTTPS_PORT:=443}"
	# The front waits a little longer than the server behind it, so that one answers 504.
	NGINX_PROXY_READ_TIMEOUT="$((${NGINX_FCGI_READ_TIMEOUT%s} + 5))s"
	if [[ "$STACK_PUBLIC_HTTPS_PORT" == 443 ]]; then
		NGINX_PUBLIC_HTTPS_SUFFIX=""
	else
		NGINX_PUBLIC_HTTPS_SUFFIX=":$STACK_PUBLIC_HTTPS_PORT"
	fi
	NGINX_FRONT_FALLBACK_HOST="${STACK_PUBLIC_HOST:-localhost$NGINX_PUBLIC_HTTPS_SUFFIX}"
	export NGINX_PROXY_READ_TIMEOUT NGINX_PUBLIC_HTTPS_SUFFIX NGINX_CLIENT_MAX_BODY_SIZE NGINX_FRONT_FALLBACK_HOST
}

validate_env() {
	[[ "$STACK_PUBLIC_HTTPS_PORT" =~ ^[0-9]+$ ]] ||
		die "STACK_PUBLIC_HTTPS_PORT must be a TCP port (got '$STACK_PUBLIC_HTTPS_PORT')"
	[[ "$NGINX_FCGI_READ_TIMEOUT" =~ ^[0-9]+s$ ]] ||
		die "NGINX_FCGI_READ_TIMEOUT must be whole seconds such as 60s on a deployment (got '$NGINX_FCGI_READ_TIMEOUT')"
	[[ "$NGINX_FRONT_FALLBACK_HOST" =~ ^[A-Za-z0-9.-]+(:[0-9]+)?$ ]] ||
		die "STACK_PUBLIC_HOST must be host[:port] (got '$STACK_PUBLIC_HOST')"
	[[ -r /run/secrets/tls_cert && -r /run/secrets/tls_key ]] ||
		die "no TLS certificate: give the secrets tls_cert and tls_key (make deploy makes them)"
	local proxy
	for proxy in ${STACK_TRUSTED_PROXIES//,/ }; do
		[[ "$proxy" =~ ^[0-9a-fA-F.:]+(/[0-9]+)?$ ]] ||
			die "STACK_TRUSTED_PROXIES holds '$proxy': give addresses or CIDR ranges, separated by spaces or commas"
	done
}

render() {
	mkdir -p "$SITE_DIR"
	local proxy
	: >"$SITE_DIR/trusted-proxies.geo"
	for proxy in ${STACK_TRUSTED_PROXIES//,/ }; do
		printf '%s 1;\n' "$proxy" >>"$SITE_DIR/trusted-proxies.geo"
	done
	# shellcheck disable=SC2016 # envsubst takes the names literally
	envsubst '${NGINX_PROXY_READ_TIMEOUT} ${NGINX_PUBLIC_HTTPS_SUFFIX} ${NGINX_CLIENT_MAX_BODY_SIZE} ${NGINX_FRONT_FALLBACK_HOST}' \
		<"$TEMPLATE" >"$SITE_DIR/tls.conf"
}

main() {
	read_env
	if [[ "${1:-nginx}" == nginx ]]; then
		validate_env
		render
		# Behind the TLS front every client reaches the stack's server from 127.0.0.1: that
		# server trusts only the front (which applied STACK_TRUSTED_PROXIES above), and
		# judges STACK_INFO_ALLOW by the client address the front passes in X-Forwarded-For.
		export STACK_TRUSTED_PROXIES=127.0.0.1
	fi
	exec nginx-entrypoint "$@"
}

main "$@"
