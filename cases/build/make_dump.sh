#!/usr/bin/env bash
# Writes the pg_dump (custom format) of the wfs-axis-order case: a throwaway PostgreSQL in
# the QGIS 3.22 stack's PostGIS image (PostgreSQL 15, the oldest the stack runs, so every
# version's pg_restore reads the archive).
#   docker run --rm -u postgres -v "$PWD/cases:/cases" --entrypoint bash qgis-stack/postgis:3.22 \
#     /cases/build/make_dump.sh /cases/wfs-axis-order/data/production.dump
set -Eeuo pipefail

main() {
	local out="${1:?usage: make_dump.sh OUTPUT.dump}" data=/tmp/pg
	initdb -D "$data" -U postgres --auth=trust >/dev/null
	pg_ctl -D "$data" -o "-k /tmp -c listen_addresses=''" -w start >/dev/null
	psql -h /tmp -U postgres -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION postgis;
CREATE SCHEMA network;
CREATE TABLE network.stations (
    id integer PRIMARY KEY,
    name text NOT NULL,
    opened date,
    geom geometry(Point, 4326) NOT NULL
);
INSERT INTO network.stations VALUES
    (1, 'Luxembourg Gare', '1859-10-04', ST_SetSRID(ST_MakePoint(6.1340, 49.6000), 4326)),
    (2, 'Esch-sur-Alzette', '1860-07-01', ST_SetSRID(ST_MakePoint(5.9830, 49.4960), 4326)),
    (3, 'Ettelbruck', '1862-11-21', ST_SetSRID(ST_MakePoint(6.1040, 49.8470), 4326)),
    (4, 'Clervaux', '1867-12-20', ST_SetSRID(ST_MakePoint(6.0310, 50.0550), 4326)),
    (5, 'Wasserbillig', '1861-08-29', ST_SetSRID(ST_MakePoint(6.5000, 49.7150), 4326)),
    (6, 'Kleinbettingen', '1859-10-04', ST_SetSRID(ST_MakePoint(5.9150, 49.6460), 4326));
SQL
	pg_dump -h /tmp -U postgres -Fc --no-owner --no-acl -n network -f "$out" postgres
	pg_ctl -D "$data" -w stop >/dev/null
	echo "wrote $out ($(stat -c %s "$out") bytes)"
}

main "$@"
