"""WMS 1.3.0 through nginx: capabilities, advertised URLs, GetMap pixels."""

import pytest
import requests
from owslib.wms import WebMapService

from stack.handle import StackHandle
from stack.images import colour_distance, distinct_colours, open_image, pixel_at
from tests.demo import ALL_LAYERS, INLAND, LAND, OCEAN, OPEN_OCEAN


@pytest.mark.smoke
def test_capabilities_list_every_demo_layer(wms: WebMapService) -> None:
    assert set(wms.contents) >= ALL_LAYERS


@pytest.mark.smoke
def test_capabilities_advertise_the_url_the_client_used(wms: WebMapService, stack: StackHandle) -> None:
    for operation in ("GetMap", "GetFeatureInfo", "GetLegendGraphic"):
        urls = [method["url"] for method in wms.getOperationByName(operation).methods]
        assert urls, operation
        for url in urls:
            assert url.startswith(stack.ows_url()), f"{operation} advertises {url}"


@pytest.mark.smoke
def test_capabilities_behind_a_tls_proxy_advertise_its_host_and_scheme(stack: StackHandle) -> None:
    response = requests.get(
        stack.ows_url(),
        params={"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetCapabilities"},
        headers={"X-Forwarded-Host": "maps.example.org", "X-Forwarded-Proto": "https"},
        timeout=30,
    )

    assert response.status_code == 200
    assert b'xlink:href="https://maps.example.org/ows/demo' in response.content
    assert b"127.0.0.1" not in response.content


def world_map(wms: WebMapService, size: tuple[int, int] = (720, 360), fmt: str = "image/png") -> bytes:
    # OWSLib swaps the axes of EPSG:4326 for WMS 1.3.0 itself: bbox stays (minx, miny, maxx, maxy).
    return wms.getmap(
        layers=["ocean", "countries"],
        styles=["", ""],
        srs="EPSG:4326",
        bbox=(-180, -90, 180, 90),
        size=size,
        format=fmt,
    ).read()


def test_getmap_returns_a_png_of_the_requested_size(wms: WebMapService) -> None:
    image = open_image(world_map(wms, size=(640, 320)))

    assert image.format == "PNG"
    assert image.size == (640, 320)


def test_getmap_is_not_blank(wms: WebMapService) -> None:
    assert distinct_colours(open_image(world_map(wms))) > 2


@pytest.mark.parametrize(("lon", "lat"), OPEN_OCEAN)
def test_getmap_paints_open_ocean_in_the_ocean_colour(wms: WebMapService, lon: float, lat: float) -> None:
    image = open_image(world_map(wms))

    assert colour_distance(pixel_at(image, (-180, -90, 180, 90), lon, lat), OCEAN) <= 3


@pytest.mark.parametrize(("lon", "lat"), INLAND)
def test_getmap_paints_inland_places_in_the_land_colour(wms: WebMapService, lon: float, lat: float) -> None:
    image = open_image(world_map(wms))

    assert colour_distance(pixel_at(image, (-180, -90, 180, 90), lon, lat), LAND) <= 3
