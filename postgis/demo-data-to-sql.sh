#!/usr/bin/env bash
# demo-data-to-sql SRC OUT: write one gzipped SQL file per demo table, from the files that
# the Debian packages libmagics++-data and qgis-common install under SRC.
set -Eeuo pipefail

readonly SRC="$1" OUT="$2"
readonly NE="$SRC/usr/share/magics" GPKG="$SRC/usr/share/qgis/resources/data/world_map.gpkg"

# to_sql ORDER TABLE GEOMETRY_TYPE SOURCE [SOURCE_LAYER]
to_sql() {
	local order="$1" table="$2" type="$3" source="$4" layer="${5:-}"
	local sql="$OUT/$order-demo-$table.sql"
	ogr2ogr -f PGDump "$sql" "$source" ${layer:+"$layer"} \
		-nln "$table" -nlt "$type" -t_srs EPSG:4326 \
		-lco SCHEMA=demo -lco CREATE_SCHEMA=OFF -lco DROP_TABLE=OFF \
		-lco GEOMETRY_NAME=geom -lco FID=id -lco SPATIAL_INDEX=GIST -lco LAUNDER=YES
	gzip -9n "$sql"
	echo "$table → $sql.gz"
}

mkdir -p "$OUT"
to_sql 20 ocean MULTIPOLYGON "$NE/50m/ne_50m_ocean.shp"
to_sql 21 countries MULTIPOLYGON "$GPKG" countries
to_sql 22 provinces MULTIPOLYGON "$GPKG" states_provinces
to_sql 23 rivers MULTILINESTRING "$NE/10m/ne_10m_rivers_lake_centerlines.shp"
to_sql 24 places POINT "$NE/10m/ne_10m_populated_places_simple.shp"
