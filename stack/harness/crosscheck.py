"""PostGIS queries that cross-check what QGIS serves: columns, ids, extents, values, and
geometries vertex by vertex (PostGIS reads the served GeoJSON or GML with its own parsers)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import psycopg
from psycopg import sql

from stack.harness.postgis import table_identifier
from stack.harness.wfs import PRECISION_DECIMALS

# A served coordinate is within half a unit of the 6th decimal of the stored one.
COORDINATE_TOLERANCE = 0.5 * 10**-PRECISION_DECIMALS + 1e-12
GEOMETRY_COLUMN = "geom"  # every demo table; QGIS serves it as the property "geometry"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # information_schema.columns.data_type
    numeric_scale: int | None
    nullable: bool


def table_columns(pg: psycopg.Connection, table: str) -> list[Column]:
    """The attribute columns of a table, in table order, without the geometry column."""
    schema, _, name = table.rpartition(".")
    rows = pg.execute(
        "SELECT column_name, data_type, numeric_scale, is_nullable = 'YES' FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s AND column_name <> %s ORDER BY ordinal_position",
        (schema, name, GEOMETRY_COLUMN),
    ).fetchall()
    return [Column(*row) for row in rows]


def sql_ids(pg: psycopg.Connection, query: str, params: Mapping[str, Any] | None = None) -> set[int]:
    """The ids a SELECT id query returns."""
    return {row[0] for row in pg.execute(query, params).fetchall()}


def all_ids(pg: psycopg.Connection, table: str) -> set[int]:
    return {
        row[0] for row in pg.execute(sql.SQL("SELECT id FROM {}").format(table_identifier(table))).fetchall()
    }


def table_extent(pg: psycopg.Connection, table: str) -> tuple[float, float, float, float]:
    """west, south, east, north of every geometry in the table."""
    query = sql.SQL(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM {}) s"
    ).format(table_identifier(table))
    row = pg.execute(query).fetchone()
    assert row is not None
    return row


def geometry_type(pg: psycopg.Connection, table: str) -> str:
    """The geometry type a table declares (geometry_columns), e.g. MULTIPOLYGON."""
    schema, _, name = table.rpartition(".")
    row = pg.execute(
        "SELECT type FROM geometry_columns"
        " WHERE f_table_schema = %s AND f_table_name = %s AND f_geometry_column = %s",
        (schema, name, GEOMETRY_COLUMN),
    ).fetchone()
    if row is None:
        raise AssertionError(f"{table} has no {GEOMETRY_COLUMN} column in geometry_columns")
    return str(row[0])


def stored_rows(pg: psycopg.Connection, table: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Attribute values (no geometry) of the rows with these ids, keyed by id."""
    names = [column.name for column in table_columns(pg, table)]
    query = sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(
        sql.SQL(", ").join(map(sql.Identifier, names)), table_identifier(table)
    )
    return {row[0]: dict(zip(names, row, strict=True)) for row in pg.execute(query, (ids,)).fetchall()}


def same_value(stored: Any, served: Any) -> bool:
    """Whether a served attribute (JSON value or GML text) says what PostGIS holds."""
    if stored is None:
        return served is None
    if isinstance(stored, int | float | Decimal):
        # QGIS serves numeric(p,0) as 78988.0 in GeoJSON and 78988 in GML: compare numbers.
        return served is not None and math.isclose(float(served), float(stored), rel_tol=1e-12)
    if isinstance(stored, date):
        return served == stored.isoformat()
    return served == stored


@dataclass(frozen=True)
class GeometryComparison:
    stored_type: str | None
    served_type: str | None
    stored_points: int | None
    served_points: int | None
    max_coordinate_error: float | None  # largest |dx| or |dy| of vertices at the same path

    def matches(self) -> bool:
        if self.stored_type is None or self.served_type is None:
            return self.stored_type == self.served_type  # both NULL
        return (
            self.served_type == self.stored_type
            and self.served_points == self.stored_points
            and self.max_coordinate_error is not None
            and self.max_coordinate_error <= COORDINATE_TOLERANCE
        )


# PostGIS reads the served geometry with its own GeoJSON or GML parser.
_READERS = {"geojson": "ST_GeomFromGeoJSON(%(served)s)", "gml": "ST_GeomFromGML(%(served)s)"}

_COMPARE = """
WITH stored AS (SELECT geom FROM {table} WHERE id = %(id)s),
     served AS (SELECT {reader} AS geom)
SELECT ST_GeometryType(stored.geom), ST_GeometryType(served.geom),
       ST_NPoints(stored.geom), ST_NPoints(served.geom),
       (SELECT max(greatest(abs(ST_X(a.geom) - ST_X(b.geom)), abs(ST_Y(a.geom) - ST_Y(b.geom))))
          FROM ST_DumpPoints(stored.geom) a JOIN ST_DumpPoints(served.geom) b ON a.path = b.path)
FROM stored, served
"""


def compare_geometry(
    pg: psycopg.Connection,
    table: str,
    row_id: int,
    served: str | Mapping[str, Any] | None,
    encoding: Literal["geojson", "gml"],
) -> GeometryComparison:
    """The served geometry of one feature against the stored one, vertex by vertex."""
    text = json.dumps(served) if isinstance(served, Mapping) else served
    if text is None:
        stored = pg.execute(
            sql.SQL("SELECT ST_GeometryType(geom) FROM {} WHERE id = %s").format(table_identifier(table)),
            (row_id,),
        ).fetchone()
        if stored is None:
            raise AssertionError(f"{table} has no row {row_id}")
        return GeometryComparison(stored[0], None, None, None, None)
    query = sql.SQL(_COMPARE).format(table=table_identifier(table), reader=sql.SQL(_READERS[encoding]))
    row = pg.execute(query, {"id": row_id, "served": text}).fetchone()
    if row is None:
        raise AssertionError(f"{table} has no row {row_id}")
    return GeometryComparison(*row)
