"""WFS 1.1.0 and 1.0.0 through nginx: capabilities, feature types and feature counts, against PostGIS.

QGIS Server has no WFS 2.0. Counts ask for PROPERTYNAME=id so that no geometry is sent:
the big layers cost a few hundred kilobytes each instead of megabytes.
"""

import json

import psycopg
import pytest
from lxml import etree
from owslib.wfs import WebFeatureService

from stack.harness.crosscheck import Column, all_ids, geometry_type, table_columns, table_extent
from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get, wfs_client
from stack.harness.postgis import count_rows
from stack.harness.wfs import GML_NS, PRECISION_DECIMALS, geojson_ids, gml_features
from tests.demo import EDITABLE_LAYER, VECTOR_LAYERS

VERSIONS = ["1.1.0", "1.0.0"]
XSD_NS = "http://www.w3.org/2001/XMLSchema"
WFS_NS = "http://www.opengis.net/wfs"
# The GML property type QGIS declares for each PostGIS geometry type, by WFS (so GML) version.
GEOMETRY_PROPERTY_TYPES = {
    "1.1.0": {
        "POINT": "gml:PointPropertyType",
        "MULTILINESTRING": "gml:MultiCurvePropertyType",
        "MULTIPOLYGON": "gml:MultiSurfacePropertyType",
    },
    "1.0.0": {
        "POINT": "gml:PointPropertyType",
        "MULTILINESTRING": "gml:MultiLineStringPropertyType",
        "MULTIPOLYGON": "gml:MultiPolygonPropertyType",
    },
}
STATIC_LAYERS = sorted(set(VECTOR_LAYERS) - {EDITABLE_LAYER})  # extents that WFS-T tests cannot move


@pytest.fixture(scope="module")
def wfs100(stack: StackHandle) -> WebFeatureService:
    return wfs_client(stack, "1.0.0")


def xsd_type(column: Column) -> str:
    """The XML Schema type QGIS declares for a PostgreSQL column."""
    if column.data_type == "numeric":
        # QGIS reads numeric(p,0) as an integer field, numeric(p,s>0) as a double.
        return "integer" if column.numeric_scale == 0 else "decimal"
    return {"integer": "int", "text": "string", "character varying": "string", "date": "date"}[
        column.data_type
    ]


@pytest.mark.smoke
def test_capabilities_1_1_0_offer_every_demo_vector_layer(wfs: WebFeatureService) -> None:
    assert set(wfs.contents) == set(VECTOR_LAYERS)


@pytest.mark.smoke
def test_capabilities_1_0_0_offer_every_demo_vector_layer(wfs100: WebFeatureService) -> None:
    assert set(wfs100.contents) == set(VECTOR_LAYERS)


@pytest.mark.smoke
@pytest.mark.parametrize("version", VERSIONS)
def test_capabilities_advertise_the_url_the_client_used(stack: StackHandle, version: str) -> None:
    client = wfs_client(stack, version)
    urls = {method["url"] for operation in client.operations for method in operation.methods}

    assert urls == {stack.ows_url()}


@pytest.mark.smoke
def test_getfeature_offers_geojson_and_gml3(wfs: WebFeatureService) -> None:
    formats = wfs.getOperationByName("GetFeature").parameters["outputFormat"]["values"]

    assert {"text/xml; subtype=gml/3.1.1", "application/vnd.geo+json"} <= set(formats)


@pytest.mark.smoke
@pytest.mark.parametrize("version", VERSIONS)
def test_only_the_editable_layer_offers_insert_update_and_delete(stack: StackHandle, version: str) -> None:
    response = ows_get(stack, {"SERVICE": "WFS", "VERSION": version, "REQUEST": "GetCapabilities"})

    operations: dict[str, set[str]] = {}
    for feature_type in etree.fromstring(response.content).iter(f"{{{WFS_NS}}}FeatureType"):
        name = feature_type.findtext(f"{{{WFS_NS}}}Name")
        assert name is not None
        # 1.1.0 lists <Operation>Insert</Operation>, 1.0.0 lists <Insert/>.
        found = feature_type.iterfind(f"{{{WFS_NS}}}Operations/*")
        operations[name] = {(op.text or "").strip() or etree.QName(op).localname for op in found}
    editable = {name for name, ops in operations.items() if {"Insert", "Update", "Delete"} <= ops}

    assert set(operations) == set(VECTOR_LAYERS)
    assert editable == {EDITABLE_LAYER}
    assert all("Query" in ops for ops in operations.values()), operations


@pytest.mark.postgis
@pytest.mark.parametrize("layer", STATIC_LAYERS)
def test_capabilities_extent_is_the_postgis_extent_rounded_outwards(
    wfs: WebFeatureService, pg: psycopg.Connection, layer: str
) -> None:
    stored = table_extent(pg, VECTOR_LAYERS[layer])
    served = wfs.contents[layer].boundingBoxWGS84
    assert served is not None
    unit = 10**-PRECISION_DECIMALS

    west, south, east, north = served
    assert west <= stored[0] and south <= stored[1] and east >= stored[2] and north >= stored[3], served
    assert all(abs(s - p) <= unit for s, p in zip(served, stored, strict=True)), (served, stored)


@pytest.mark.postgis
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layer", sorted(VECTOR_LAYERS))
def test_describefeaturetype_declares_the_postgis_columns(
    stack: StackHandle, pg: psycopg.Connection, version: str, layer: str
) -> None:
    params = {"SERVICE": "WFS", "VERSION": version, "REQUEST": "DescribeFeatureType", "TYPENAME": layer}
    schema = etree.fromstring(ows_get(stack, params).content)
    declared = schema.findall(f".//{{{XSD_NS}}}complexType[@name='{layer}Type']//{{{XSD_NS}}}element")
    geometry = [element for element in declared if element.get("name") == "geometry"]
    attributes = [element for element in declared if element.get("name") != "geometry"]
    columns = table_columns(pg, VECTOR_LAYERS[layer])

    assert [element.get("name") for element in attributes] == [column.name for column in columns]
    assert [element.get("type") for element in attributes] == [xsd_type(column) for column in columns]
    assert [element.get("nillable") == "true" for element in attributes] == [c.nullable for c in columns]
    assert [element.get("type") for element in geometry] == [
        GEOMETRY_PROPERTY_TYPES[version][geometry_type(pg, VECTOR_LAYERS[layer])]
    ]
    assert schema.find(f"{{{XSD_NS}}}import").get("namespace") == GML_NS


@pytest.mark.postgis
@pytest.mark.parametrize("layer", sorted(VECTOR_LAYERS))
def test_resulttype_hits_counts_the_postgis_rows(
    stack: StackHandle, pg: psycopg.Connection, layer: str
) -> None:
    params = {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "GetFeature", "TYPENAME": layer}
    response = ows_get(stack, {**params, "RESULTTYPE": "hits"})

    assert int(etree.fromstring(response.content).get("numberOfFeatures")) == count_rows(
        pg, VECTOR_LAYERS[layer]
    )


@pytest.mark.postgis
@pytest.mark.parametrize("layer", sorted(VECTOR_LAYERS))
def test_geojson_getfeature_serves_every_postgis_row_once(
    wfs: WebFeatureService, pg: psycopg.Connection, layer: str
) -> None:
    # One typename per request: OWSLib sends one PROPERTYNAME for all, which QGIS refuses.
    response = wfs.getfeature(typename=[layer], propertyname=["id"], outputFormat="application/json")
    served = geojson_ids(json.loads(response.read()))

    assert len(served) == len(set(served)), "a feature was served twice"
    assert set(served) == all_ids(pg, VECTOR_LAYERS[layer])


@pytest.mark.postgis
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layer", sorted(VECTOR_LAYERS))
def test_gml_getfeature_serves_every_postgis_row_once(
    wfs: WebFeatureService, wfs100: WebFeatureService, pg: psycopg.Connection, version: str, layer: str
) -> None:
    client = wfs if version == "1.1.0" else wfs100  # GML 3.1.1 and GML 2.1.2, their defaults
    response = client.getfeature(typename=[layer], propertyname=["id"])
    served = [feature.id for feature in gml_features(response.read(), layer)]

    assert len(served) == len(set(served)), "a feature was served twice"
    assert set(served) == all_ids(pg, VECTOR_LAYERS[layer])
