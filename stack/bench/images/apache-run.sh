#!/usr/bin/env bash
# Apache 2 + mod_fcgid in front of qgis_mapserv.fcgi, as the QGIS Server documentation
# configures it (ScriptAlias /cgi-bin/, FcgidInitialEnv, FcgidIOTimeout 120). Run by the
# bench after the qgis-server entrypoint has set up libpq, so the environment is the stack's.
#   BENCH_PROJECT_FILE   the project every request uses (SetEnv QGIS_PROJECT_FILE)
#   BENCH_FCGID_PROCESSES  empty: mod_fcgid's defaults; N: Min = Max processes per class = N
set -Eeuo pipefail

readonly CONF_DIR=/tmp/apache
readonly MODULES=/usr/lib/apache2/modules

die() { printf 'bench-apache: error: %s\n' "$*" >&2; exit 64; }

read_env() {
	[[ -n "${BENCH_PROJECT_FILE:-}" ]] || die "BENCH_PROJECT_FILE is not set (the .qgs every request uses)"
	: "${BENCH_FCGID_PROCESSES:=}"
	if [[ -n "$BENCH_FCGID_PROCESSES" && ! "$BENCH_FCGID_PROCESSES" =~ ^[1-9][0-9]*$ ]]; then
		die "BENCH_FCGID_PROCESSES must be empty or a whole number ≥ 1 (got '$BENCH_FCGID_PROCESSES')"
	fi
}

# mod_fcgid starts the FastCGI processes with its own environment, not Apache's: pass
# the settings QGIS and the plugins read.
initial_env() {
	local name
	while IFS= read -r name; do
		[[ "$name" == QGIS_PROJECT_FILE ]] && continue
		printf 'FcgidInitialEnv %s "%s"\n' "$name" "${!name}"
	done < <(compgen -e | grep -E '^(QGIS_|QT_|STACK_|HOME$|LANG$|LC_ALL$|PYTHON)')
}

write_config() {
	mkdir -p "$CONF_DIR/fcgid" "$CONF_DIR/html"
	{
		cat <<CONF
ServerRoot /etc/apache2
ServerName bench-apache
Listen 8080
PidFile $CONF_DIR/httpd.pid
Mutex file:$CONF_DIR default
ErrorLog /dev/stderr
LogLevel warn
LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule alias_module $MODULES/mod_alias.so
LoadModule env_module $MODULES/mod_env.so
LoadModule fcgid_module $MODULES/mod_fcgid.so
DocumentRoot $CONF_DIR/html
FcgidIPCDir $CONF_DIR/fcgid
FcgidProcessTableFile $CONF_DIR/fcgid/shm
FcgidIOTimeout 120
FcgidMaxRequestLen 26214400
FcgidConnectTimeout 60
SetEnv QGIS_PROJECT_FILE $BENCH_PROJECT_FILE
ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/
<Directory "/usr/lib/cgi-bin/">
    AllowOverride None
    Options +ExecCGI -MultiViews -SymLinksIfOwnerMatch
    SetHandler fcgid-script
    Require all granted
</Directory>
CONF
		initial_env
		if [[ -n "$BENCH_FCGID_PROCESSES" ]]; then
			printf 'FcgidMinProcessesPerClass %s\nFcgidMaxProcessesPerClass %s\n' \
				"$BENCH_FCGID_PROCESSES" "$BENCH_FCGID_PROCESSES"
		fi
	} >"$CONF_DIR/httpd.conf"
}

main() {
	read_env
	write_config
	exec /usr/sbin/apache2 -f "$CONF_DIR/httpd.conf" -DFOREGROUND
}

main "$@"
