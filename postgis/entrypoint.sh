#!/usr/bin/env bash
# PostGIS container entrypoint. On first start (empty PGDATA) it creates the cluster, the
# application role and database, enables PostGIS and runs the init scripts (as that role)
# against a server that listens on no TCP port; only when all of that succeeded does it mark the
# cluster ready. On every later start it sets the role's password from
# POSTGRES_PASSWORD_FILE again, so that file is the one truth (a new checkout, or a
# rotated secret, just works). Then it execs postgres.
set -Eeuo pipefail

readonly INIT_DIRS=(/usr/share/qgis-stack/initdb.d /docker-entrypoint-initdb.d)
readonly READY_MARK=qgis-stack-init.done

log() { printf 'postgis: %s\n' "$*" >&2; }
die() { printf 'postgis: error: %s\n' "$*" >&2; exit 64; }

read_env() {
	: "${PGDATA:=/var/lib/postgresql/data}"
	: "${POSTGRES_USER:?set POSTGRES_USER to the application role to create and use}"
	: "${POSTGRES_DB:?set POSTGRES_DB to the application database to create and use}"
	: "${POSTGRES_PASSWORD_FILE:=}"
	server_major="$(postgres --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
}

validate_env() {
	[[ "$POSTGRES_USER" =~ ^[a-z_][a-z0-9_]*$ ]] ||
		die "POSTGRES_USER must be a lower-case SQL identifier (got '$POSTGRES_USER')"
	[[ "$POSTGRES_DB" =~ ^[a-z_][a-z0-9_]*$ ]] ||
		die "POSTGRES_DB must be a lower-case SQL identifier (got '$POSTGRES_DB')"
	[[ -n "$POSTGRES_PASSWORD_FILE" ]] ||
		die "POSTGRES_PASSWORD_FILE is not set: point it at a file holding the password"
	[[ -r "$POSTGRES_PASSWORD_FILE" && -s "$POSTGRES_PASSWORD_FILE" ]] ||
		die "POSTGRES_PASSWORD_FILE=$POSTGRES_PASSWORD_FILE is missing, unreadable or empty"
}

# A cluster from another PostgreSQL major version, or one whose first start failed half
# way, must not be started as if it were fine.
check_existing_cluster() {
	local data_major
	data_major="$(<"$PGDATA/PG_VERSION")"
	[[ "$data_major" == "$server_major" ]] ||
		die "$PGDATA holds PostgreSQL $data_major data but this image runs PostgreSQL $server_major." \
			"Start the QGIS version that created it, or remove the volume to start afresh."
	[[ -f "$PGDATA/$READY_MARK" ]] ||
		die "$PGDATA was left half-initialised by an earlier failed start (see its log)." \
			"Remove the volume and start again."
}

psql_as() { # psql_as USER DB [psql args…]
	psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet -h /var/run/postgresql -U "$1" -d "$2" "${@:3}"
}

create_cluster() {
	log "initialising a PostgreSQL $server_major cluster in $PGDATA"
	initdb --username=postgres --auth-local=peer --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
	# Only while initialising: the private server listens on no TCP port.
	echo 'local all all trust' >"$PGDATA/pg_hba.conf"
}

write_pg_hba() {
	printf '%s\n' \
		'local all postgres peer' \
		'local all all scram-sha-256' \
		'host all all all scram-sha-256' >"$PGDATA/pg_hba.conf"
}

start_private_server() {
	pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" \
		-l "$PGDATA/init.log" start >/dev/null
}

stop_private_server() {
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
}

sync_password() {
	start_private_server
	psql_as postgres postgres -v user="$POSTGRES_USER" -v password_file="$POSTGRES_PASSWORD_FILE" <<-'SQL'
		\set password `cat :'password_file'`
		ALTER ROLE :"user" PASSWORD :'password';
	SQL
	stop_private_server
	log "password of role $POSTGRES_USER set from POSTGRES_PASSWORD_FILE"
}

create_role_and_database() {
	psql_as postgres postgres -v user="$POSTGRES_USER" -v db="$POSTGRES_DB" \
		-v password_file="$POSTGRES_PASSWORD_FILE" <<-'SQL'
		\set password `cat :'password_file'`
		CREATE ROLE :"user" LOGIN PASSWORD :'password';
		CREATE DATABASE :"db" OWNER :"user";
	SQL
	psql_as postgres "$POSTGRES_DB" -c 'CREATE EXTENSION postgis;'
}

run_init_file() {
	local file="$1"
	log "running $file"
	case "$file" in
	*.sql) psql_as "$POSTGRES_USER" "$POSTGRES_DB" -f "$file" ;;
	*.sql.gz) gzip -dc "$file" | psql_as "$POSTGRES_USER" "$POSTGRES_DB" ;;
	*.sh) bash "$file" ;;
	*) log "ignoring $file (not .sql, .sql.gz or .sh)" ;;
	esac
}

run_init_scripts() {
	local dir file
	for dir in "${INIT_DIRS[@]}"; do
		[[ -d "$dir" ]] || continue
		for file in "$dir"/*; do
			if [[ -f "$file" ]]; then run_init_file "$file"; fi
		done
	done
}

first_start() {
	create_cluster
	start_private_server
	create_role_and_database
	run_init_scripts
	stop_private_server
	write_pg_hba
	touch "$PGDATA/$READY_MARK"
	log "first start complete"
}

main() {
	read_env
	if [[ "${1:-}" != postgres ]]; then
		exec "$@"
	fi
	validate_env
	if [[ -s "$PGDATA/PG_VERSION" ]]; then
		check_existing_cluster
		sync_password
	else
		first_start
	fi
	exec postgres -D "$PGDATA" -c listen_addresses='*' "${@:2}"
}

main "$@"
