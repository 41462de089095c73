#!/usr/bin/env bash
# Keeps the tile cache honest. The cache key holds $stack_cache_generation, which this
# script writes into an nginx map: per project, a fingerprint of the project's files (every
# folder nginx may take it from), plus a global one of the access rules, the styles beside
# the projects, the data edits nginx passed and the last `make cache-clear`. A changed fingerprint is a new generation:
# nginx is reloaded and every tile stored under the old one is never served again (it
# ages out of the cache).
#   nginx-cache-watch once                      write the map (at container start)
#   nginx-cache-watch watch CONFIG INTERVAL_S   look every INTERVAL_S seconds, reload on change
#   nginx-cache-watch clear CONFIG              a new generation for every project now
#   nginx-cache-watch settled                   exit 0 when no change waits and no reload runs
set -Eeuo pipefail

readonly MAP=/tmp/nginx/cache-generation.map
readonly CLEAR_FILE=/tmp/nginx/cache-clear-request
# nginx appends a line per WFS-T transaction it passed (tile-cache-http.conf.template).
readonly EDITS_FILE=/tmp/nginx/data-edits.log
# Taken by every reload of nginx (nginx-entrypoint reload too), so none reads a config
# another is writing.
readonly RELOAD_LOCK=/tmp/nginx/reload.lock
readonly PROJECTS_DIR=/srv/qgis/projects
readonly DEMO_DIR=/srv/qgis/demo
readonly REPRO_DIR=/srv/qgis/repro
readonly RULE_FILES=(/etc/qgis-stack/access/rules.yaml /etc/qgis-stack/access/users.map)
readonly PID_FILE=/tmp/nginx/nginx.pid
# How long a reload waits for the old workers (and their generation) to be gone.
readonly OLD_WORKERS_TIMEOUT_S=15

log() { printf 'nginx-cache-watch: %s\n' "$*" >&2; }
die() { printf 'nginx-cache-watch: error: %s\n' "$*" >&2; exit 64; }

# fingerprint FILE…: name, size and mtime (ns) of those that exist, hashed. Always succeeds.
fingerprint() {
	local file
	for file in "$@"; do
		if [[ -e "$file" ]]; then stat -L -c '%n %s %.9Y' "$file" || true; fi
	done | md5sum | cut -c1-12
}

# The project files nginx may serve (the /ows/ location's candidates), one per line.
project_files() {
	local file
	for file in "$PROJECTS_DIR"/*.qgs "$PROJECTS_DIR"/*.qgz "$DEMO_DIR"/*.qgs "$REPRO_DIR"/*/*.qgs; do
		if [[ -e "$file" ]]; then printf '%s\n' "$file"; fi
	done
}

# The styles beside the projects (a changed style changes every project's tiles), one per line.
style_files() {
	local file
	for file in "$PROJECTS_DIR"/*.qml "$PROJECTS_DIR"/*.sld "$DEMO_DIR"/*.qml "$DEMO_DIR"/*.sld; do
		if [[ -e "$file" ]]; then printf '%s\n' "$file"; fi
	done
}

# snapshot: name, size and mtime of every file render_map reads, in one stat call. The watch
# loop renders the map (dozens of processes) only when this changes: polling every few
# seconds must cost next to nothing on a server whose CPUs belong to QGIS.
snapshot() {
	local inputs=()
	mapfile -t inputs < <(printf '%s\n' "${RULE_FILES[@]}" "$CLEAR_FILE" "$EDITS_FILE"; style_files; project_files)
	# Files that do not exist print nothing, as in fingerprint.
	stat -L -c '%n %s %.9Y' "${inputs[@]}" 2>/dev/null || true
}

render_map() {
	local global file name key styles=()
	local -A files=()
	mapfile -t styles < <(style_files)
	global="$(fingerprint "${RULE_FILES[@]}" "$CLEAR_FILE" "$EDITS_FILE" "${styles[@]}")"
	while IFS= read -r file; do
		name="$(basename "${file%.*}")"
		# The names nginx's location accepts; nginx compares map strings ignoring case, so
		# Demo and demo share one entry (and one fingerprint of both).
		[[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || continue
		key="${name,,}"
		files[$key]="${files[$key]:-}${file}"$'\n'
	done < <(project_files)
	# nginx variables, not shell ones.
	# shellcheck disable=SC2016
	printf 'map $project $stack_cache_generation {\n    default "%s";\n' "$global"
	for key in $(printf '%s\n' "${!files[@]}" | sort); do
		local list=()
		mapfile -t list <<<"${files[$key]%$'\n'}"
		# A leading backslash: a project may be called "default", "include"…
		printf '    \\%s "%s-%s";\n' "$key" "$global" "$(fingerprint "${list[@]}")"
	done
	printf '}\n'
}

# write_map: 0 when the map changed (the old one is kept as $MAP.previous), 1 when not.
write_map() {
	local next
	next="$(render_map)"
	if [[ -f "$MAP" && "$next" == "$(<"$MAP")" ]]; then
		return 1
	fi
	if [[ -f "$MAP" ]]; then cp "$MAP" "$MAP.previous"; fi
	printf '%s\n' "$next" >"$MAP.tmp"
	mv "$MAP.tmp" "$MAP"
}

# The nginx master's worker, cache manager and cache loader pids, one per line.
nginx_children() {
	local master stat pid comm ppid
	master="$(<"$PID_FILE")" || return 0
	for stat in /proc/[0-9]*/stat; do
		read -r pid comm _ ppid _ <"$stat" 2>/dev/null || continue
		if [[ "$ppid" == "$master" && "$comm" == "(nginx)" ]]; then printf '%s\n' "$pid"; fi
	done
}

# wait_for_old_workers PID…: until none of them runs, so that no request is answered with
# the old generation any more (a graceful reload leaves them finishing their requests).
wait_for_old_workers() {
	local deadline=$((SECONDS + OLD_WORKERS_TIMEOUT_S)) pid alive
	while ((SECONDS < deadline)); do
		alive=0
		for pid in "$@"; do
			if [[ -e "/proc/$pid" ]]; then alive=1; fi
		done
		((alive)) || return 0
		sleep 0.2
	done
	log "old nginx workers still finishing long requests after ${OLD_WORKERS_TIMEOUT_S} s"
}

# reload CONFIG: test, then reload gracefully (old workers finish their requests) and wait
# for the old workers to be gone. When nginx refuses the config, the previous map is put
# back, so the change is seen (and the reload tried) again next time, not forgotten.
reload() {
	local config="$1" old=()
	(
		flock 9
		mapfile -t old < <(nginx_children)
		if nginx -t -q -c "$config" && nginx -c "$config" -s reload; then
			wait_for_old_workers "${old[@]}"
			exit 0
		fi
		if [[ -f "$MAP.previous" ]]; then mv "$MAP.previous" "$MAP"; fi
		exit 1
	) 9>"$RELOAD_LOCK"
}

watch() {
	local config="$1" interval="$2"
	[[ "$interval" =~ ^[1-9][0-9]*$ ]] || die "INTERVAL_S must be whole seconds (got '$interval')"
	local seen="" now
	# Errors of one round are logged, never fatal: without this loop tiles would go stale.
	while sleep "$interval"; do
		now="$(snapshot)"
		[[ "$now" != "$seen" ]] || continue
		seen="$now"
		if write_map; then
			if reload "$config"; then
				log "a project, style, rules file or cache-clear changed: new cache generation, nginx reloaded"
			else
				# Forget the snapshot: the next round renders and tries again.
				seen=""
				log "nginx refused its config: tiles keep the old generation, retrying in ${interval} s"
			fi
		fi
	done
}

clear() {
	local config="$1"
	date +%s%N >"$CLEAR_FILE"
	write_map || true
	reload "$config" || die "nginx refused its config; the tile cache was not cleared"
	log "tile cache cleared (new generation)"
}

# settled: the map is what the files say now and no reload is under way (for tests that
# must start from a known generation).
settled() {
	(
		flock -n 9 || exit 1
		[[ -f "$MAP" && "$(render_map)" == "$(<"$MAP")" ]]
	) 9>"$RELOAD_LOCK"
}

main() {
	case "${1:-}" in
	once) write_map || true ;;
	watch) (($# == 3)) || die "usage: nginx-cache-watch watch CONFIG INTERVAL_S"; watch "$2" "$3" ;;
	clear) (($# == 2)) || die "usage: nginx-cache-watch clear CONFIG"; clear "$2" ;;
	settled) settled ;;
	*) die "usage: nginx-cache-watch once | watch CONFIG INTERVAL_S | clear CONFIG | settled" ;;
	esac
}

main "$@"
