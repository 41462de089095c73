"""WFS GetFeature by FEATUREID: served attributes and geometries equal the PostGIS rows.

Fixed samples per layer (FEATUREID), each served as GeoJSON, GML 3.1.1 (WFS 1.1.0) and
GML 2.1.2 (WFS 1.0.0). Geometries go back into PostGIS through ST_GeomFromGeoJSON and
ST_GeomFromGML and are compared vertex by vertex with the stored ones: the project
publishes 6 decimals, so every coordinate must be within half a unit of the 6th decimal.
"""

from typing import Any

import psycopg
import pytest
from lxml import etree

from stack.harness.crosscheck import COORDINATE_TOLERANCE, compare_geometry, same_value, stored_rows
from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion, known_bug
from stack.harness.ows import ows_get, service_exception
from stack.harness.wfs import (
    GEOJSON,
    GML_NS,
    PRECISION_DECIMALS,
    GmlFeature,
    feature_id,
    geojson_coordinates,
    getfeature,
    gml_features,
)
from tests.demo import VECTOR_LAYERS

SAMPLES = {
    "ocean": [1, 682, 1097],  # a piece of the split world ocean; Lake Ladoga; the last piece
    "countries": [13, 196, 224],  # Chile: 161 polygons; St-Barthélemy: non-ASCII name; Luxembourg
    "provinces": [1000, 2000, 4556],
    "rivers": [7, 500, 1454],
    "places": [1, 100, 7000],  # 100 has NULL attributes
    "observations": [1, 2, 3],  # the seed rows; WFS-T tests put them back
}
LAYERS = sorted(SAMPLES)
GML_VERSIONS = ["1.1.0", "1.0.0"]  # GML 3.1.1 and GML 2.1.2, each version's default
SLATINA = (24.3710015558542, 44.4349981422087)  # places.100 in EPSG:4326 (lon, lat)


def by_id(layer: str, **params: str) -> dict[str, str]:
    # Raw GET, not OWSLib: see stack.features.getfeature on FEATUREID and PROPERTYNAME.
    return {
        "TYPENAME": layer,
        "FEATUREID": ",".join(f"{layer}.{row_id}" for row_id in SAMPLES[layer]),
        **params,
    }


@pytest.fixture(scope="module")
def served_geojson(stack: StackHandle) -> dict[str, list[dict[str, Any]]]:
    return {
        layer: getfeature(stack, by_id(layer, OUTPUTFORMAT=GEOJSON)).json()["features"] for layer in LAYERS
    }


@pytest.fixture(scope="module")
def served_gml(stack: StackHandle) -> dict[tuple[str, str], list[GmlFeature]]:
    return {
        (version, layer): gml_features(getfeature(stack, by_id(layer), version).content, layer)
        for version in GML_VERSIONS
        for layer in LAYERS
    }


def mismatches(stored: dict[str, Any], served: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        name: (value, served.get(name))
        for name, value in stored.items()
        if not same_value(value, served.get(name))
    }


@pytest.mark.postgis
@pytest.mark.parametrize("layer", LAYERS)
def test_geojson_attributes_are_the_postgis_values(
    served_geojson: dict[str, list[dict[str, Any]]], pg: psycopg.Connection, layer: str
) -> None:
    stored = stored_rows(pg, VECTOR_LAYERS[layer], SAMPLES[layer])
    served = {feature_id(feature["id"]): feature["properties"] for feature in served_geojson[layer]}

    assert sorted(served) == sorted(stored) == SAMPLES[layer]
    for row_id, row in stored.items():
        assert set(served[row_id]) == set(row), row_id
        assert not mismatches(row, served[row_id]), (row_id, mismatches(row, served[row_id]))


@pytest.mark.postgis
@pytest.mark.parametrize("layer", LAYERS)
def test_geojson_geometries_are_the_postgis_geometries(
    served_geojson: dict[str, list[dict[str, Any]]], pg: psycopg.Connection, layer: str
) -> None:
    for feature in served_geojson[layer]:
        comparison = compare_geometry(
            pg, VECTOR_LAYERS[layer], feature_id(feature["id"]), feature["geometry"], "geojson"
        )
        assert comparison.matches(), (feature["id"], comparison)


@pytest.mark.smoke
@pytest.mark.parametrize("layer", LAYERS)
def test_geojson_coordinates_have_the_published_precision(
    served_geojson: dict[str, list[dict[str, Any]]], layer: str
) -> None:
    for feature in served_geojson[layer]:
        if feature["geometry"] is None:
            continue
        coordinates = geojson_coordinates(feature["geometry"])
        assert coordinates, feature["id"]
        too_precise = [c for c in coordinates if round(c, PRECISION_DECIMALS) != c]
        assert not too_precise, (feature["id"], too_precise[:5])


@pytest.mark.postgis
@pytest.mark.parametrize("version", GML_VERSIONS)
@pytest.mark.parametrize("layer", LAYERS)
def test_gml_attributes_are_the_postgis_values(
    served_gml: dict[tuple[str, str], list[GmlFeature]],
    pg: psycopg.Connection,
    version: str,
    layer: str,
    request: pytest.FixtureRequest,
    qgis_version: QgisVersion | None,
) -> None:
    if layer not in ("countries", "observations"):  # the layers without NULLs in the samples
        known_bug(
            request, qgis_version, before=(3, 40), bug="GML writes a NULL attribute as an empty element"
        )
    stored = stored_rows(pg, VECTOR_LAYERS[layer], SAMPLES[layer])
    served = {feature.id: feature.properties for feature in served_gml[version, layer]}

    assert sorted(served) == sorted(stored) == SAMPLES[layer]
    for row_id, row in stored.items():
        # GML leaves NULL attributes out, so a served feature may have fewer properties.
        assert set(served[row_id]) <= set(row), row_id
        assert not mismatches(row, served[row_id]), (row_id, mismatches(row, served[row_id]))


@pytest.mark.postgis
@pytest.mark.parametrize("version", GML_VERSIONS)
@pytest.mark.parametrize("layer", LAYERS)
def test_gml_geometries_are_the_postgis_geometries(
    served_gml: dict[tuple[str, str], list[GmlFeature]],
    pg: psycopg.Connection,
    version: str,
    layer: str,
    request: pytest.FixtureRequest,
    qgis_version: QgisVersion | None,
) -> None:
    if version == "1.1.0":
        known_bug(
            request,
            qgis_version,
            before=(3, 40),
            bug='WFS 1.1.0 GML3 under srsName="EPSG:4326" lists latitude first',
        )
    for feature in served_gml[version, layer]:
        comparison = compare_geometry(pg, VECTOR_LAYERS[layer], feature.id, feature.geometry, "gml")
        assert comparison.matches(), (version, feature.id, comparison)


@pytest.mark.smoke
def test_gml3_in_a_urn_crs_lists_latitude_first(stack: StackHandle) -> None:
    # EPSG:4326 is latitude/longitude; the urn form asks for that axis order, "EPSG:4326" does not.
    params = {
        "SERVICE": "WFS",
        "VERSION": "1.1.0",
        "REQUEST": "GetFeature",
        "TYPENAME": "places",
        "FEATUREID": "places.100",
    }
    urn = gml_features(ows_get(stack, {**params, "SRSNAME": "urn:ogc:def:crs:EPSG::4326"}).content, "places")
    short = gml_features(ows_get(stack, {**params, "SRSNAME": "EPSG:4326"}).content, "places")

    assert [position(feature) for feature in urn] == [pytest.approx(SLATINA[::-1], abs=COORDINATE_TOLERANCE)]
    assert [position(feature) for feature in short] == [pytest.approx(SLATINA, abs=COORDINATE_TOLERANCE)]


@pytest.mark.smoke
def test_geojson_refuses_a_urn_crs_with_a_clear_exception(
    stack: StackHandle, request: pytest.FixtureRequest, qgis_version: QgisVersion | None
) -> None:
    known_bug(request, qgis_version, before=(3, 40), bug="GeoJSON accepts the urn CRS (3.40 refuses it)")
    # A QGIS 3.40 quirk: GML takes urn:ogc:def:crs:EPSG::4326, GeoJSON calls it invalid.
    params = {
        "SERVICE": "WFS",
        "VERSION": "1.1.0",
        "REQUEST": "GetFeature",
        "TYPENAME": "places",
        "FEATUREID": "places.100",
        "OUTPUTFORMAT": "application/json",
        "SRSNAME": "urn:ogc:def:crs:EPSG::4326",
    }
    response = ows_get(stack, params)
    exception = service_exception(response.content)

    assert response.status_code == 400
    assert exception is not None and "srsName" in exception.text, response.text[:300]


@pytest.mark.postgis
def test_geojson_in_web_mercator_is_the_postgis_transform(
    stack: StackHandle,
    pg: psycopg.Connection,
    request: pytest.FixtureRequest,
    qgis_version: QgisVersion | None,
) -> None:
    known_bug(request, qgis_version, before=(3, 40), bug="GeoJSON ignores SRSNAME and stays in EPSG:4326")
    served = getfeature(stack, by_id("places", OUTPUTFORMAT=GEOJSON, SRSNAME="EPSG:3857")).json()["features"]
    rows = pg.execute(
        "SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, ST_Transform(geom, 3857) p FROM demo.places"
        " WHERE id = ANY(%s)) s",
        (SAMPLES["places"],),
    ).fetchall()
    expected = {row_id: (x, y) for row_id, x, y in rows}

    # Metres: a centimetre allows for QGIS's and PostGIS's PROJ builds; a wrong CRS is kilometres off.
    assert {feature_id(f["id"]): tuple(f["geometry"]["coordinates"]) for f in served} == {
        row_id: pytest.approx(xy, abs=0.01) for row_id, xy in expected.items()
    }


def position(feature: GmlFeature) -> tuple[float, ...]:
    """The numbers of a GML 3 point's gml:pos, in the order served."""
    assert feature.geometry is not None
    text = etree.fromstring(feature.geometry).findtext(f"{{{GML_NS}}}pos")
    assert text is not None, feature.geometry
    return tuple(float(number) for number in text.split())
