"""WMS GetCapabilities (1.3.0 and 1.1.1) through nginx: what the demo project publishes.

Layers, CRSs and extents come from qgis-server/demo/make_demo_project.py; vector extents are
cross-checked against PostGIS where the harness can reach it.
"""

import psycopg
import pytest
from owslib.wms import WebMapService
from psycopg import sql

from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion, known_bug
from stack.harness.ows import wms_client
from tests.demo import ALL_LAYERS, VECTOR_LAYERS

ROOT_LAYER = "demo"
ROOT_TITLE = "qgis-stack demo"
PUBLISHED_CRS = {"EPSG:4326", "EPSG:3857", "EPSG:3035", "EPSG:27700"}  # the project's WMSCrsList
WORLD = (-180.0, -90.0, 180.0, 90.0)  # the project's WMSExtent
LUXEMBOURG = (5.741666, 49.441666, 6.533334, 50.191667)  # elevation.tif, a 30" grid
EDITABLE_LAYERS = {"observations"}  # WFS-T: other tests insert and delete its rows
PUBLISHED_LAYERS = ALL_LAYERS | EDITABLE_LAYERS
STATIC_VECTOR_LAYERS = sorted(set(VECTOR_LAYERS) - EDITABLE_LAYERS)


@pytest.fixture(scope="module")
def wms111(stack: StackHandle) -> WebMapService:
    return wms_client(stack, "1.1.1")


@pytest.mark.smoke
def test_capabilities_list_every_demo_layer(wms: WebMapService) -> None:
    assert set(wms.contents) == PUBLISHED_LAYERS | {ROOT_LAYER}


@pytest.mark.smoke
def test_the_root_layer_is_the_project_and_holds_every_layer(wms: WebMapService) -> None:
    root = wms[ROOT_LAYER]

    assert root.parent is None
    assert root.title == ROOT_TITLE
    assert {child.name for child in root.children} == PUBLISHED_LAYERS


@pytest.mark.smoke
@pytest.mark.parametrize("layer", sorted(PUBLISHED_LAYERS | {ROOT_LAYER}))
def test_every_layer_offers_the_published_crs_and_crs84(wms: WebMapService, layer: str) -> None:
    assert set(wms[layer].crsOptions) == PUBLISHED_CRS | {"CRS:84"}


@pytest.mark.smoke
def test_wms_1_1_1_offers_the_same_layers_and_crs(
    wms: WebMapService,
    wms111: WebMapService,
    request: pytest.FixtureRequest,
    qgis_version: QgisVersion | None,
) -> None:
    known_bug(
        request, qgis_version, before=(3, 40), bug="WMS 1.1.1 lists CRS:84, which 1.1.1 does not define"
    )
    assert set(wms111.contents) == set(wms.contents)
    for name in wms111.contents:
        # WMS 1.1.1 has no CRS:84: EPSG:4326 is already longitude first there.
        assert set(wms111[name].crsOptions) == PUBLISHED_CRS, name


@pytest.mark.smoke
def test_the_root_layer_covers_the_world(wms: WebMapService, wms111: WebMapService) -> None:
    assert wms[ROOT_LAYER].boundingBoxWGS84 == WORLD
    assert wms111[ROOT_LAYER].boundingBoxWGS84 == WORLD


@pytest.mark.smoke
def test_elevation_covers_luxembourg(wms: WebMapService) -> None:
    assert wms["elevation"].boundingBoxWGS84 == pytest.approx(LUXEMBOURG, abs=1e-6)


@pytest.mark.smoke
@pytest.mark.parametrize("layer", sorted(ALL_LAYERS))
def test_the_epsg_4326_bounding_box_is_the_geographic_one(wms: WebMapService, layer: str) -> None:
    # OWSLib undoes WMS 1.3.0's latitude-first EPSG:4326 order: both read (minx, miny, maxx, maxy).
    boxes = {crs: tuple(box) for *box, crs in wms[layer].crs_list}

    assert boxes["EPSG:4326"] == pytest.approx(wms[layer].boundingBoxWGS84, abs=1e-6)


@pytest.mark.smoke
@pytest.mark.parametrize("layer", sorted(ALL_LAYERS))
def test_every_layer_advertises_a_bounding_box_per_published_crs(wms: WebMapService, layer: str) -> None:
    assert {crs for *_, crs in wms[layer].crs_list} == PUBLISHED_CRS


@pytest.mark.postgis
@pytest.mark.parametrize("layer", STATIC_VECTOR_LAYERS)
def test_vector_extents_are_the_postgis_extents(
    wms: WebMapService, pg: psycopg.Connection, layer: str
) -> None:
    schema, _, table = VECTOR_LAYERS[layer].partition(".")
    query = sql.SQL(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM {}) x"
    ).format(sql.Identifier(schema, table))
    row = pg.execute(query).fetchone()
    assert row is not None

    # QGIS writes six decimals.
    assert wms[layer].boundingBoxWGS84 == pytest.approx(row, abs=1e-6)


@pytest.mark.smoke
def test_capabilities_advertise_the_url_the_client_used(wms: WebMapService, stack: StackHandle) -> None:
    for operation in ("GetMap", "GetFeatureInfo", "GetLegendGraphic"):
        urls = [method["url"] for method in wms.getOperationByName(operation).methods]
        assert urls, operation
        for url in urls:
            assert url.startswith(stack.ows_url()), f"{operation} advertises {url}"
