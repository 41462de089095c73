"""WFS, WFS-T and OGC API Features helpers, and the PostGIS queries that cross-check them.

Served features are compared with the rows behind them: attributes by value, geometries
vertex by vertex in PostGIS after reading the served GeoJSON or GML back with PostGIS's own
parsers. WFS-T bodies are built here; a table snapshot puts an edited table back as it was.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import psycopg
import requests
from lxml import etree
from owslib.fes import OgcExpression
from owslib.wfs import WebFeatureService
from psycopg import sql

from stack.handle import StackHandle
from stack.ows import ServiceException, ows_get, ows_post, service_exception
from stack.postgis import table_identifier

WFS_NS = "http://www.opengis.net/wfs"
OGC_NS = "http://www.opengis.net/ogc"
GML_NS = "http://www.opengis.net/gml"
QGS_NS = "http://www.qgis.org/gml"  # QGIS Server's feature type namespace
NAMESPACES = {"wfs": WFS_NS, "ogc": OGC_NS, "gml": GML_NS, "qgs": QGS_NS}

GEOJSON = "application/json"
# The project publishes coordinates rounded to 6 decimals (WFSLayersPrecision): a served
# coordinate is within half a unit of the 6th decimal of the stored one.
PRECISION_DECIMALS = 6
COORDINATE_TOLERANCE = 0.5 * 10**-PRECISION_DECIMALS + 1e-12
GEOMETRY_COLUMN = "geom"  # every demo table; QGIS serves it as the property "geometry"


# --- Served features -------------------------------------------------------------------


def feature_id(served_id: str | int) -> int:
    """The primary key behind a served id: "places.123" (WFS) or "123" (OGC API Features)."""
    return int(str(served_id).rpartition(".")[2])


def geojson_ids(collection: Mapping[str, Any]) -> list[int]:
    """Primary keys of a GeoJSON FeatureCollection, in the order served."""
    return [feature_id(feature["id"]) for feature in collection["features"]]


def getfeature_geojson(wfs: WebFeatureService, layer: str, **options: Any) -> dict[str, Any]:
    """GetFeature through OWSLib as GeoJSON, for one typename (QGIS wants one PROPERTYNAME per TYPENAME)."""
    response = wfs.getfeature(typename=[layer], outputFormat=GEOJSON, **options)
    return json.loads(response.read())


def getfeature(stack: StackHandle, params: Mapping[str, str], version: str = "1.1.0") -> requests.Response:
    """A raw KVP GetFeature, for what OWSLib cannot send: vendor parameters (EXP_FILTER) and
    several FEATUREIDs (OWSLib always adds PROPERTYNAME=*, and QGIS then wants one
    PROPERTYNAME per FEATUREID). A refusal fails with QGIS's ServiceException."""
    request = {"SERVICE": "WFS", "VERSION": version, "REQUEST": "GetFeature", **params}
    response = ows_get(stack, request)
    exception = service_exception(response.content)
    if response.status_code != 200 or exception is not None:
        raise AssertionError(f"GetFeature {dict(params)} failed: HTTP {response.status_code}, {exception}")
    return response


def served_ids(stack: StackHandle, params: Mapping[str, str], version: str = "1.1.0") -> list[int]:
    """Ids a GetFeature matches, asking for ids only: no geometry, small responses."""
    response = getfeature(stack, {"PROPERTYNAME": "id", "OUTPUTFORMAT": GEOJSON, **params}, version)
    return geojson_ids(response.json())


@dataclass(frozen=True)
class GmlFeature:
    id: int
    properties: dict[str, str]  # a NULL attribute is left out of the GML, so out of here
    geometry: str | None  # the GML geometry element, as XML text


def gml_features(body: bytes, layer: str) -> list[GmlFeature]:
    """Features of a GML 2 or GML 3 wfs:FeatureCollection from QGIS Server."""
    root = etree.fromstring(body)
    features = []
    for element in root.iter(f"{{{QGS_NS}}}{layer}"):
        served_id = element.get(f"{{{GML_NS}}}id") or element.get("fid")  # GML 3 or GML 2
        if served_id is None:
            raise AssertionError(f"a {layer} feature without gml:id or fid")
        properties: dict[str, str] = {}
        geometry = None
        for child in element:
            name = etree.QName(child).localname
            if name == "geometry":
                geometry = etree.tostring(child[0], encoding="unicode")
            elif name != "boundedBy":
                properties[name] = child.text or ""
        features.append(GmlFeature(id=feature_id(served_id), properties=properties, geometry=geometry))
    return features


def ogc_filter(constraint: OgcExpression) -> str:
    """An OGC Filter (1.1) document, as the FILTER parameter carries it, from an owslib.fes constraint."""
    # OWSLib's FilterRequest().setConstraint() returns an element, and getfeature(filter=...)
    # would send that element's repr: serialise it here instead.
    root = etree.Element(f"{{{OGC_NS}}}Filter", nsmap={"ogc": OGC_NS})
    root.append(constraint.toXML())
    return etree.tostring(root, encoding="unicode")


# --- PostGIS side ----------------------------------------------------------------------


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


def geojson_coordinates(geometry: Mapping[str, Any]) -> list[float]:
    """Every coordinate number of a GeoJSON geometry, flattened, in no particular order."""
    numbers: list[float] = []
    pending: list[Any] = [geometry["coordinates"]]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        else:
            numbers.append(float(item))
    return numbers


# --- WFS-T ------------------------------------------------------------------------------


def _element(tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    prefix, _, name = tag.partition(":")
    element = etree.Element(f"{{{NAMESPACES[prefix]}}}{name}", attributes, nsmap=NAMESPACES)
    element.text = text
    return element


def gml_point(lon: float, lat: float) -> etree._Element:
    point = _element("gml:Point", srsName="EPSG:4326")
    point.append(_element("gml:pos", f"{lon!r} {lat!r}"))
    return point


def fid_filter(layer: str, ids: list[int]) -> etree._Element:
    found = _element("ogc:Filter")
    for row_id in ids:
        found.append(_element("ogc:FeatureId", fid=f"{layer}.{row_id}"))
    return found


def insert(layer: str, properties: Mapping[str, str], point: tuple[float, float] | None) -> etree._Element:
    """One wfs:Insert of one feature: QGIS refuses an Insert with more than one child element.
    Properties left out are inserted as NULL by QGIS, not as the column's DEFAULT."""
    feature = _element(f"qgs:{layer}")
    for name, value in properties.items():
        feature.append(_element(f"qgs:{name}", value))
    if point is not None:
        geometry = _element("qgs:geometry")
        geometry.append(gml_point(*point))
        feature.append(geometry)
    action = _element("wfs:Insert")
    action.append(feature)
    return action


def update(
    layer: str, ids: list[int], properties: Mapping[str, str], point: tuple[float, float] | None = None
) -> etree._Element:
    """One wfs:Update of the features with these ids: new property values and, if given, a new point."""
    action = _element("wfs:Update", typeName=f"qgs:{layer}")
    changes = [(name, _element("wfs:Value", value)) for name, value in properties.items()]
    if point is not None:
        value = _element("wfs:Value")
        value.append(gml_point(*point))
        changes.append(("geometry", value))  # QGIS's name for the geometry property
    for name, value in changes:
        prop = _element("wfs:Property")
        prop.append(_element("wfs:Name", name))
        prop.append(value)
        action.append(prop)
    action.append(fid_filter(layer, ids))
    return action


def delete(layer: str, ids: list[int]) -> etree._Element:
    """One wfs:Delete by feature id: the only Delete filter QGIS carries out."""
    action = _element("wfs:Delete", typeName=f"qgs:{layer}")
    action.append(fid_filter(layer, ids))
    return action


def transaction(*actions: etree._Element) -> bytes:
    """A WFS 1.1.0 Transaction document. QGIS runs its actions by kind (updates, then deletes,
    then inserts) and commits each one separately: the document is not all-or-nothing."""
    root = _element("wfs:Transaction", service="WFS", version="1.1.0")
    root.extend(actions)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class TransactionOutcome:
    http_status: int
    exception: ServiceException | None  # the request as a whole was refused
    totals: dict[str, int]  # totalInserted/totalUpdated/totalDeleted as QGIS reported them
    messages: list[str]  # one per failed action (wfs:TransactionResults)
    inserted_ids: list[int]

    @property
    def changed(self) -> int:
        return sum(self.totals.values())

    def explanation(self) -> str:
        return self.exception.text if self.exception else " ".join(self.messages)


def post_transaction(stack: StackHandle, body: bytes) -> TransactionOutcome:
    params = {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "Transaction"}
    return transaction_outcome(ows_post(stack, body, params))


def transaction_outcome(response: requests.Response) -> TransactionOutcome:
    exception = service_exception(response.content)
    if exception is not None:
        return TransactionOutcome(response.status_code, exception, {}, [], [])
    try:
        root = etree.fromstring(response.content)
    except etree.XMLSyntaxError as error:
        raise AssertionError(
            f"HTTP {response.status_code}: not a TransactionResponse ({error}): {response.content[:300]!r}"
        ) from None
    totals = {
        etree.QName(total).localname: int(total.text or 0)
        for total in root.iterfind("wfs:TransactionSummary/*", NAMESPACES)
    }
    messages = [(m.text or "").strip() for m in root.iterfind(".//wfs:Action/wfs:Message", NAMESPACES)]
    inserted = [feature_id(f.get("fid", "")) for f in root.iterfind(".//ogc:FeatureId", NAMESPACES)]
    return TransactionOutcome(response.status_code, None, totals, messages, inserted)


# --- Snapshots of edited tables --------------------------------------------------------


@dataclass(frozen=True)
class TableSnapshot:
    table: str
    copy: str  # a temporary table on the harness's connection
    digest: str
    sequence: str | None  # the id column's sequence, so new ids restart where they were
    sequence_last_value: int | None  # None: never used


def table_digest(pg: psycopg.Connection, table: str) -> str:
    """An md5 of every row (geometry included), in id order: equal digests, equal tables."""
    query = sql.SQL("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {} t").format(
        table_identifier(table)
    )
    row = pg.execute(query).fetchone()
    assert row is not None
    return str(row[0])


def snapshot_table(pg: psycopg.Connection, table: str) -> TableSnapshot:
    """Copy a table's rows into a temporary table and note its id sequence, for restore_table."""
    copy = "snapshot_" + table.replace(".", "_")
    pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(copy)))
    pg.execute(
        sql.SQL("CREATE TEMP TABLE {} AS TABLE {}").format(sql.Identifier(copy), table_identifier(table))
    )
    row = pg.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()
    sequence = row[0] if row else None
    last_value = None
    if sequence is not None:
        found = pg.execute("SELECT pg_sequence_last_value(%s::regclass)", (sequence,)).fetchone()
        last_value = found[0] if found else None
    return TableSnapshot(table, copy, table_digest(pg, table), sequence, last_value)


def restore_table(pg: psycopg.Connection, snapshot: TableSnapshot) -> None:
    """Put the rows and the id sequence back as they were; rewrite rows only when they changed."""
    copy = sql.Identifier(snapshot.copy)
    if table_digest(pg, snapshot.table) != snapshot.digest:
        with pg.transaction():  # QGIS never sees the table empty
            pg.execute(sql.SQL("DELETE FROM {}").format(table_identifier(snapshot.table)))
            pg.execute(sql.SQL("INSERT INTO {} TABLE {}").format(table_identifier(snapshot.table), copy))
    if snapshot.sequence is not None:
        if snapshot.sequence_last_value is None:
            pg.execute("SELECT setval(%s::regclass, 1, false)", (snapshot.sequence,))
        else:
            pg.execute("SELECT setval(%s::regclass, %s)", (snapshot.sequence, snapshot.sequence_last_value))
    pg.execute(sql.SQL("DROP TABLE {}").format(copy))
    if table_digest(pg, snapshot.table) != snapshot.digest:
        raise AssertionError(f"{snapshot.table} could not be restored to its snapshot")
