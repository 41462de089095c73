#!/usr/bin/env bash
# QGIS Server container entrypoint: read the environment, validate it, give libpq its
# credentials, then exec the command. `serve` runs
#   qgis-stderr-batcher → spawn-fcgi → multiwatch -f $QGIS_WORKERS → N × qgis_mapserv.fcgi
# so a dead worker is respawned and a dead supervisor ends the container (the restart
# policy brings it back).
set -Eeuo pipefail

readonly FCGI_BIN=/usr/lib/cgi-bin/qgis_mapserv.fcgi
readonly DEMO_SCRIPT=/usr/share/qgis-stack/demo/make_demo_project.py
# Services of the user's own databases (STACK_PG_SERVICE_FILE is mounted here).
readonly PG_SERVICE_FILE=/etc/postgresql-common/pg_service.conf
# The image's settings (Dockerfile ENV) and the stack's wiring (compose): required here,
# defaulted nowhere else.
readonly REQUIRED_ENV=(QGIS_PLUGINPATH QGIS_STACK_BUILTIN_PLUGINS QGIS_STACK_BUSY_DIR QGIS_FCGI_PORT)
readonly DEFAULTS=/usr/local/lib/qgis-stack/defaults.env
readonly SOCKET_MONITOR_FIX=/usr/local/lib/qgis-stack/libqgis-socket-monitor-fix.so
readonly ACCEPT_PRIORITY=/usr/local/lib/qgis-stack/libqgis-accept-priority.so

# shellcheck source=defaults.sh
source /usr/local/lib/qgis-stack/defaults.sh
readonly METRICS_EXPORTER=/usr/local/lib/qgis-stack/metrics/exporter.py

log() { printf 'qgis-server: %s\n' "$*" >&2; }
die() { printf 'qgis-server: error: %s\n' "$*" >&2; exit 64; }

# require_int NAME MIN MAX: the variable NAME holds an integer within [MIN, MAX].
require_int() {
	local name="$1" min="$2" max="$3" value="${!1}"
	if ! [[ "$value" =~ ^[0-9]+$ ]] || ((value < min || value > max)); then
		die "$name must be a whole number from $min to $max (got '$value')"
	fi
}

read_env() {
	local name
	for name in "${REQUIRED_ENV[@]}"; do
		[[ -n "${!name:-}" ]] || die "$name is not set (QGIS_FCGI_PORT: the workers' FastCGI port; the others are set by the image)"
	done
	# A Unix socket instead of the port, when nginx shares a volume with this container.
	: "${QGIS_FCGI_SOCKET:=}"
	load_defaults "$DEFAULTS"
	: "${QGIS_WORKERS:=$(nproc)}"
	: "${POSTGRES_PASSWORD_FILE:=}"
	# The stack's own PostGIS service; all four are set together, or none (no stack PostGIS).
	: "${STACK_PG_SERVICE:=}" "${POSTGRES_HOST:=}" "${POSTGRES_USER:=}" "${POSTGRES_DB:=}"
	# The built-in plugins (stack_guard) always load, whatever plugin folder is mounted.
	if [[ ":$QGIS_PLUGINPATH:" != *":$QGIS_STACK_BUILTIN_PLUGINS:"* ]]; then
		QGIS_PLUGINPATH="$QGIS_STACK_BUILTIN_PLUGINS:$QGIS_PLUGINPATH"
	fi
	IFS=: read -ra PLUGIN_DIRS <<<"$QGIS_PLUGINPATH"
	export QGIS_WORKERS QGIS_WORKER_RETRIES QGIS_FCGI_PORT QGIS_FCGI_SOCKET QGIS_SERVER_LOG_LEVEL QGIS_PLUGINPATH \
		QGIS_WORKER_REQUEST_TIMEOUT QGIS_STACK_METRICS_PORT
}

validate_env() {
	require_int QGIS_WORKERS 1 64
	require_int QGIS_WORKER_RETRIES 1 1000
	require_int QGIS_FCGI_PORT 1 65535
	[[ -z "$QGIS_FCGI_SOCKET" || "$QGIS_FCGI_SOCKET" == /* ]] ||
		die "QGIS_FCGI_SOCKET must be an absolute path (got '$QGIS_FCGI_SOCKET')"
	require_int QGIS_SERVER_LOG_LEVEL 0 2
	require_int QGIS_WORKER_REQUEST_TIMEOUT 0 86400
	require_int QGIS_WORKER_MAX_REQUESTS 0 100000000
	require_int QGIS_STACK_SOCKET_MONITOR_FIX 0 1
	require_int QGIS_STACK_ACCEPT_PRIORITY 0 1
	require_int QGIS_STACK_LOG_BATCH_MS 0 1000
	require_int QGIS_STACK_METRICS_PORT 0 65535
	[[ "$QGIS_STACK_PRELOAD_PROJECTS" =~ ^(all|none|[A-Za-z0-9_-]+( *, *[A-Za-z0-9_-]+)*)$ ]] ||
		die "QGIS_STACK_PRELOAD_PROJECTS must be all, none or project names separated by commas (got '$QGIS_STACK_PRELOAD_PROJECTS')"
	local dir
	for dir in "${PLUGIN_DIRS[@]}"; do
		[[ -d "$dir" ]] || die "$dir (in QGIS_PLUGINPATH) is not a directory: mount your plugins folder there"
	done
	[[ -z "${PGSERVICEFILE:-}" ]] ||
		die "PGSERVICEFILE is ignored by FastCGI workers: mount the file at $PG_SERVICE_FILE instead"
	if [[ -n "$STACK_PG_SERVICE" && -z "$POSTGRES_HOST$POSTGRES_USER$POSTGRES_DB" ]] ||
		[[ -n "$POSTGRES_HOST" && (-z "$STACK_PG_SERVICE" || -z "$POSTGRES_USER" || -z "$POSTGRES_DB") ]]; then
		die "set STACK_PG_SERVICE, POSTGRES_HOST, POSTGRES_USER and POSTGRES_DB together (the stack's PostGIS service)"
	fi
	if [[ -n "$POSTGRES_PASSWORD_FILE" && ! -r "$POSTGRES_PASSWORD_FILE" ]]; then
		die "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is not readable: mount the secret there"
	fi
}

# libpq ignores a password file that others can read, and mounted secrets usually are:
# write a private copy in pgpass format (any host, database and user of pg_service.conf).
# It goes to ~/.pgpass, not to a path in PGPASSFILE: FastCGI replaces each worker's
# environment with the request's parameters, so libpq in a worker only finds files at
# their default places (this one, and /etc/postgresql-common/pg_service.conf).
setup_pgpass() {
	[[ -n "$POSTGRES_PASSWORD_FILE" ]] || return 0
	local password
	password="$(<"$POSTGRES_PASSWORD_FILE")"
	[[ -n "$password" ]] || die "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is empty"
	password="${password//\\/\\\\}"
	password="${password//:/\\:}"
	mkdir -p "$HOME"
	(umask 077 && printf '*:*:*:*:%s\n' "$password" >"$HOME/.pgpass")
}

# The stack's own database as a libpq service in ~/.pg_service.conf, from the settings
# PostGIS gets too; libpq reads it before the system file, which holds the user's services.
setup_pg_service() {
	[[ -n "$STACK_PG_SERVICE" ]] || return 0
	mkdir -p "$HOME"
	printf '[%s]\nhost=%s\nport=5432\ndbname=%s\nuser=%s\napplication_name=%s\nconnect_timeout=5\n' \
		"$STACK_PG_SERVICE" "$POSTGRES_HOST" "$POSTGRES_DB" "$POSTGRES_USER" "$QGIS_SERVER_APPLICATION_NAME" \
		>"$HOME/.pg_service.conf"
}

# The same rule as QGIS (and stack_info): a package whose metadata.txt says server=True.
is_server_plugin() {
	local dir="$1"
	[[ -f "$dir/__init__.py" && -f "$dir/metadata.txt" ]] &&
		grep -qiE '^[[:space:]]*server[[:space:]]*=[[:space:]]*(true|1|yes)[[:space:]]*$' "$dir/metadata.txt"
}

list_plugins() {
	local root dir found=()
	for root in "${PLUGIN_DIRS[@]}"; do
		for dir in "$root"/*/; do
			if is_server_plugin "$dir"; then found+=("$(basename "$dir")"); fi
		done
	done
	log "plugins in $QGIS_PLUGINPATH: ${found[*]:-none}"
}

# QGIS has no request time limit: the watchdog kills workers stuck on one request.
start_watchdog() {
	if ((QGIS_WORKER_REQUEST_TIMEOUT == 0)); then
		log "QGIS_WORKER_REQUEST_TIMEOUT=0: no limit on how long a worker may spend on a request"
		return 0
	fi
	qgis-worker-watchdog &
}

# The libraries are preloaded into multiwatch and so into every worker: QGIS >= 3.36 waits
# out a 10 ms select() at the end of every request (socket-monitor-fix.c), and libfcgi
# hands connections to the workers in turn (accept-priority.c).
preload_libraries() {
	local libraries=()
	[[ "$QGIS_STACK_SOCKET_MONITOR_FIX" == 0 ]] || libraries+=("$SOCKET_MONITOR_FIX")
	[[ "$QGIS_STACK_ACCEPT_PRIORITY" == 0 ]] || libraries+=("$ACCEPT_PRIORITY")
	[[ -z "${LD_PRELOAD:-}" ]] || libraries+=("$LD_PRELOAD")
	if ((${#libraries[@]})); then
		local IFS=:
		printf '%s\n' /usr/bin/env "LD_PRELOAD=${libraries[*]}"
	fi
}

# Counters live in one exporter process, so they add up over workers and outlive them;
# workers and the watchdog send it events (QGIS_STACK_METRICS_EVENTS, read at worker start).
start_metrics() {
	if ((QGIS_STACK_METRICS_PORT == 0)); then
		log "QGIS_STACK_METRICS_PORT=0: no metrics"
		return 0
	fi
	python3 "$METRICS_EXPORTER" &
	export QGIS_STACK_METRICS_EVENTS="127.0.0.1:$QGIS_STACK_METRICS_PORT"
	# Workers announce their start: have the exporter listen before the first one does.
	local attempt
	for attempt in {1..50}; do
		(: </dev/tcp/127.0.0.1/"$QGIS_STACK_METRICS_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	log "warning: the metrics exporter is not listening after $attempt attempts; starting anyway"
}

# The workers' stderr reaches Docker in batches (stderr-batcher.c), which then runs as the
# container's first process: it passes signals on and exits with the workers' supervisor.
log_batcher() {
	((QGIS_STACK_LOG_BATCH_MS == 0)) || printf '%s\n' qgis-stderr-batcher "$QGIS_STACK_LOG_BATCH_MS"
}

serve() {
	list_plugins
	start_metrics
	start_watchdog
	local preload batcher
	mapfile -t preload < <(preload_libraries)
	mapfile -t batcher < <(log_batcher)
	local listen
	if [[ -n "$QGIS_FCGI_SOCKET" ]]; then
		[[ -d "${QGIS_FCGI_SOCKET%/*}" && -w "${QGIS_FCGI_SOCKET%/*}" ]] ||
			die "QGIS_FCGI_SOCKET: ${QGIS_FCGI_SOCKET%/*} must be a folder this container (uid $(id -u)) can write"
		# Mode 0666: the socket's folder is a volume only nginx shares.
		listen=(-s "$QGIS_FCGI_SOCKET" -M 0666)
		log "starting $QGIS_WORKERS worker(s) on $QGIS_FCGI_SOCKET"
	else
		listen=(-a 0.0.0.0 -p "$QGIS_FCGI_PORT")
		log "starting $QGIS_WORKERS worker(s) on port $QGIS_FCGI_PORT"
	fi
	# -s USR1: when the container stops, workers finish the request they are on (libfcgi's
	# graceful stop) instead of dropping it.
	exec "${batcher[@]}" spawn-fcgi -n "${listen[@]}" -- \
		"${preload[@]}" /usr/bin/multiwatch -f "$QGIS_WORKERS" -r "$QGIS_WORKER_RETRIES" -s USR1 -- "$FCGI_BIN"
}

main() {
	read_env
	validate_env
	setup_pgpass
	setup_pg_service
	case "${1:-serve}" in
	serve) serve ;;
	make-demo-project) exec python3 "$DEMO_SCRIPT" "${@:2}" ;;
	*) exec "$@" ;;
	esac
}

main "$@"
