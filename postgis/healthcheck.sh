#!/usr/bin/env bash
# Healthy = the first-start initialisation finished (data loaded) and the server accepts
# TCP connections for the application database.
set -Eeuo pipefail
[[ -f "${PGDATA:-/var/lib/postgresql/data}/qgis-stack-init.done" ]] || { echo "initialising"; exit 1; }
pg_isready -q -h 127.0.0.1 -U "${POSTGRES_USER:?}" -d "${POSTGRES_DB:?}"
