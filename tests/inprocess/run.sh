#!/usr/bin/env bash
# In-process unit tests of the server plugins, inside a throwaway QGIS Server container:
#   tests/inprocess/run.sh [PLUGINS_DIR...]        (default: the repository's plugins/)
# QGIS_IMAGE names the qgis-server image (`make plugin-test` sets it from the stack settings;
# QGIS=3.22 there picks 3.22); PLUGINS_DIR (colon-separated) works too;
# TESTS=<glob> runs only some modules (TESTS=test_watermark.py).
# The container has no network: the tests need no PostGIS, projects are built in memory.
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
image="${QGIS_IMAGE:?set QGIS_IMAGE to the qgis-server image, e.g. qgis-stack/qgis-server:3.40 (make plugin-test does)}"
qgis="${image##*:}"

die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 64; }

# The container runs as uid 999: every mounted folder must be world-readable.
require_readable() {
	local dir="$1" path="$1"
	[[ -d "$dir" ]] || die "$dir is not a directory"
	while [[ "$path" != / ]]; do
		local mode
		mode="$(stat -c %a "$path")"
		(((8#${mode: -1} & 5) == 5)) || die "$path must be world-readable (chmod o+rx) for the container's user"
		path="$(dirname "$path")"
	done
}

plugin_dirs=("$@")
if ((${#plugin_dirs[@]} == 0)); then
	IFS=: read -r -a plugin_dirs <<<"${PLUGINS_DIR:-$repo/plugins}"
fi

docker image inspect "$image" >/dev/null 2>&1 || die "no image $image: build it first (make plugin-test builds it)"
require_readable "$here"
mounts=(-v "$here:/srv/tests:ro")
container_dirs=()
for i in "${!plugin_dirs[@]}"; do
	dir="$(realpath "${plugin_dirs[$i]}")"
	require_readable "$dir"
	mounts+=(-v "$dir:/srv/plugins-$i:ro")
	container_dirs+=("/srv/plugins-$i")
done

echo "run.sh: QGIS $qgis, plugins from ${plugin_dirs[*]}"
exec docker run --rm --name "plugin-dev-inprocess-${qgis//./}-$$" --network none \
	"${mounts[@]}" \
	-e STACK_TEST_PLUGINS="$(
		IFS=:
		echo "${container_dirs[*]}"
	)" \
	-e STACK_TEST_PATTERN="${TESTS:-test_*.py}" \
	-e PYTHONDONTWRITEBYTECODE=1 \
	-e QGIS_SERVER_LOG_LEVEL=2 \
	--entrypoint bash "$image" /srv/tests/in_container.sh
