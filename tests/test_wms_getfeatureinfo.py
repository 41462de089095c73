"""WMS GetFeatureInfo: a click on a world map names the country under it, in XML and JSON."""

import json

import pytest
from lxml import etree
from owslib.wms import WebMapService

from stack.harness.images import BBox

WORLD: BBox = (-180, -90, 180, 90)
SIZE = (720, 360)  # half a degree a pixel
# (lon, lat) well inside a country → its name in demo.countries (QGIS world_map.gpkg).
COUNTRIES_AT = [((134.0, -25.0), "Australia"), ((-55.0, -10.0), "Brazil"), ((100.0, 62.0), "Russia")]
SOUTH_PACIFIC = (-140.0, -45.0)  # far from any island (-30, -20 is Brazil's Trindade)


def click(lon: float, lat: float) -> tuple[int, int]:
    """The (I, J) pixel of (lon, lat) on the SIZE world map."""
    return (int((lon - WORLD[0]) / 360 * SIZE[0]), int((WORLD[3] - lat) / 180 * SIZE[1]))


def feature_info(wms: WebMapService, lon: float, lat: float, info_format: str) -> bytes:
    response = wms.getfeatureinfo(
        layers=["countries"],
        styles=[""],
        query_layers=["countries"],
        srs="EPSG:4326",
        bbox=WORLD,  # OWSLib sends it latitude first, as WMS 1.3.0 wants for EPSG:4326
        size=SIZE,
        format="image/png",
        xy=click(lon, lat),
        info_format=info_format,
        feature_count=1,
    )
    return response.read()


def names_in_xml(body: bytes) -> list[str]:
    root = etree.fromstring(body)
    assert etree.QName(root).localname == "GetFeatureInfoResponse", body[:300]
    return root.xpath("//Layer[@name='countries']/Feature/Attribute[@name='name']/@value")


def names_in_json(body: bytes) -> list[str]:
    return [feature["properties"]["name"] for feature in json.loads(body)["features"]]


@pytest.mark.smoke
@pytest.mark.parametrize(("place", "name"), COUNTRIES_AT)
def test_a_click_in_a_country_names_it_in_xml(
    wms: WebMapService, place: tuple[float, float], name: str
) -> None:
    assert names_in_xml(feature_info(wms, *place, "text/xml")) == [name]


@pytest.mark.smoke
@pytest.mark.parametrize(("place", "name"), COUNTRIES_AT)
def test_a_click_in_a_country_names_it_in_json(
    wms: WebMapService, place: tuple[float, float], name: str
) -> None:
    assert names_in_json(feature_info(wms, *place, "application/json")) == [name]


@pytest.mark.smoke
def test_json_feature_ids_name_the_layer(wms: WebMapService) -> None:
    (feature,) = json.loads(feature_info(wms, *COUNTRIES_AT[0][0], "application/json"))["features"]

    assert str(feature["id"]).startswith("countries.")


@pytest.mark.smoke
@pytest.mark.parametrize("info_format", ["text/xml", "application/json"])
def test_a_click_at_sea_finds_no_country(wms: WebMapService, info_format: str) -> None:
    body = feature_info(wms, *SOUTH_PACIFIC, info_format)

    names = names_in_xml(body) if info_format == "text/xml" else names_in_json(body)
    assert names == []
