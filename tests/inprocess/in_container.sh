#!/usr/bin/env bash
# Inside the container (run.sh): each test module in its own process, because QGIS Server
# is a process-wide singleton whose access control filters cannot be unregistered.
# STACK_TEST_PATTERN (a glob, default test_*.py) picks modules.
set -Eeuo pipefail

cd /srv/tests
failed=()
for module in ${STACK_TEST_PATTERN:-test_*.py}; do
	echo "=== $module"
	python3 -m unittest discover -s /srv/tests -p "$module" -v || failed+=("$module")
done
if ((${#failed[@]})); then
	echo "in-process tests: FAILED in ${failed[*]}"
	exit 1
fi
echo "in-process tests: all modules passed"
