"""The clients users point at the stack: QGIS's own WFS, OGC API Features and WMS providers
(PyQGIS in the qgis-server image, as QGIS desktop has them) and GDAL/OGR. They read through
nginx at the URL the tests use, so they run against --stack-url too; the reference is
PostGIS on a local stack and WFS RESULTTYPE=hits on a remote one.
"""

from __future__ import annotations

import os
from typing import Any

import docker
import pytest

from stack.clients.container import ClientContainer, client_container
from stack.clients.gdal import gdal_environment, raster_copy, vector_summary, wfs_source, wfs_to_geopackage
from stack.harness.crosscheck import table_extent
from stack.harness.handle import StackHandle
from stack.harness.known_bugs import known_bug
from stack.harness.postgis import count_rows
from stack.harness.wfs import getfeature
from tests.demo import LAND, OCEAN, VECTOR_LAYERS

pytestmark = pytest.mark.clients

# provinces (4,556 detailed polygons) is left out: it takes minutes through every client.
READ_LAYERS = ["countries", "ocean", "rivers", "places", "observations"]
EXTENT_TOLERANCE = 1e-5  # degrees: GML and GeoJSON carry about 6 decimals


@pytest.fixture(scope="module")
def client(stack: StackHandle, stack_settings) -> Any:
    try:
        engine = docker.from_env()
        engine.ping()
    except docker.errors.DockerException as error:
        pytest.skip(f"no Docker engine to run the client image: {error}")
    image = stack_settings.image("qgis-server")
    try:
        engine.images.get(image)
    except docker.errors.ImageNotFound:
        pytest.skip(f"no image {image}: `make build` makes it")
    # An https deployment's private CA (--ca-bundle), trusted inside the client.
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") if stack.base_url.startswith("https:") else None
    with client_container(engine, image, stack_settings.project_name, ca_bundle) as container:
        yield container


@pytest.fixture(scope="module")
def expected(stack: StackHandle, request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """Per layer: count (and extent, on a local stack) from PostGIS; else WFS hits."""
    if stack.is_local:
        pg = request.getfixturevalue("pg")
        return {
            name: {
                "count": count_rows(pg, VECTOR_LAYERS[name]),
                "extent": table_extent(pg, VECTOR_LAYERS[name]),
            }
            for name in READ_LAYERS
        }
    found = {}
    for name in READ_LAYERS:
        hits = getfeature(stack, {"TYPENAME": name, "RESULTTYPE": "hits"})
        number = hits.text.split('numberOfFeatures="', 1)[1].split('"', 1)[0]
        found[name] = {"count": int(number), "extent": None}
    return found


@pytest.fixture(scope="module")
def providers(client: ClientContainer, stack: StackHandle) -> dict[str, dict[str, Any]]:
    request = {
        "ows_url": stack.ows_url(),
        "layers": READ_LAYERS,
        "wms_layers": ["countries", "ocean"],
        "auth": list(stack.auth) if stack.auth else None,
    }
    return client.pyqgis("qgis_providers.py", request)


def same_extent(found: Any, wanted: Any, tolerance: float = EXTENT_TOLERANCE) -> bool:
    if wanted is None:
        return True  # remote: nothing to compare with
    return found is not None and all(abs(a - b) <= tolerance for a, b in zip(found, wanted, strict=True))


@pytest.mark.parametrize("provider", ["WFS", "OAPIF"])
@pytest.mark.parametrize("layer", READ_LAYERS)
def test_qgis_vector_providers_read_every_feature(providers, expected, provider, layer):
    got = providers[provider][layer]
    assert got["valid"], got.get("error")
    assert got["count"] == expected[layer]["count"]
    assert same_extent(got["extent"], expected[layer]["extent"]), (got["extent"], expected[layer]["extent"])


@pytest.mark.parametrize("layer", ["countries", "ocean"])
def test_qgis_wms_provider_draws_the_layer(providers, expected, layer):
    got = providers["WMS"][layer]
    assert got["valid"], got.get("error")
    assert got["painted_pixels"] > 0.2 * 64 * 32
    # The provider's extent is the capabilities' bbox, which QGIS rounds outwards a little.
    assert same_extent(got["extent"], expected[layer]["extent"], tolerance=1e-3), got["extent"]


@pytest.mark.parametrize("layer", READ_LAYERS)
def test_ogrinfo_reports_the_count_and_extent(client, stack, expected, layer):
    got = vector_summary(client, wfs_source(stack.ows_url()), layer, gdal_environment(stack.auth))
    assert got.count == expected[layer]["count"]
    assert same_extent(got.extent, expected[layer]["extent"])


@pytest.mark.parametrize("layer", READ_LAYERS)
def test_ogr2ogr_copies_every_feature_into_a_geopackage(client, stack, expected, layer):
    got = wfs_to_geopackage(client, stack.ows_url(), layer, gdal_environment(stack.auth))
    assert got.count == expected[layer]["count"]
    assert same_extent(got.extent, expected[layer]["extent"])


def test_gdal_translate_reads_a_wms_map(client, stack):
    source = (
        f"WMS:{stack.ows_url()}?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=ocean,countries"
        "&CRS=EPSG:4326&BBOX=-90,-180,90,180&FORMAT=image/png"
    )
    got = raster_copy(client, source, gdal_environment(stack.auth), "-outsize", "360", "180")
    assert got.size == (360, 180)
    means = [band["mean"] for band in got.bands[:3]]
    # Mostly ocean blue and land beige: every channel's mean lies between the two fills.
    for channel, mean in enumerate(means):
        low, high = sorted((OCEAN[channel], LAND[channel]))
        assert low - 10 <= mean <= high + 10, (channel, mean)


def test_gdal_translate_reads_the_wmts_tiles(client, stack, request, qgis_version):
    known_bug(
        request,
        qgis_version,
        before=(3, 40),
        bug="GDAL 3.6 (the client in the 3.22 image) asks for tiles outside the tile matrix, "
        "from the layer's ±90° bounding box, and QGIS 3.22 answers 400 'TileRow is unknown'",
    )
    source = f"WMTS:{stack.ows_url()}?SERVICE=WMTS&REQUEST=GetCapabilities"
    got = raster_copy(client, source, gdal_environment(stack.auth), "-outsize", "256", "128")
    assert got.size == (256, 128)
    assert all(band["maximum"] > band["minimum"] for band in got.bands[:3]), "a blank WMTS image"


def test_gdal_translate_reads_the_wcs_coverage(client, stack):
    source = f"WCS:{stack.ows_url()}?SERVICE=WCS&VERSION=1.0.0&COVERAGE=elevation"
    got = raster_copy(client, source, gdal_environment(stack.auth))
    width, height = got.size
    assert width > 10 and height > 10
    assert got.bands[0]["maximum"] == 547  # the highest point of elev.tif (its legend says so too)
