"""stack_featureinfo through nginx: a default FI_POINT_TOLERANCE, and enriched JSON answers."""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get

# A 200 x 100 px map of lon 0..20, lat 40..50 around Paris (2.35 E, 48.86 N): 0.1° a pixel.
PARIS_MAP = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetFeatureInfo",
    "CRS": "EPSG:4326",
    "BBOX": "40,0,50,20",
    "WIDTH": "200",
    "HEIGHT": "100",
    "INFO_FORMAT": "application/json",
    "FEATURE_COUNT": "10",
}
# Three pixels from Paris: outside QGIS's own tolerance, inside the injected 8 px.
NEAR_PARIS = {"I": str(round(2.35 * 10) + 3), "J": str(round((50 - 48.86) * 10))}


def featureinfo(stack: StackHandle, layers: str, **extra: str) -> list[dict]:
    params = {**PARIS_MAP, "LAYERS": layers, "QUERY_LAYERS": layers, **NEAR_PARIS, **extra}
    response = ows_get(stack, params)
    assert response.status_code == 200, response.text[:300]
    return response.json()["features"]


@pytest.mark.smoke
def test_a_click_near_a_city_finds_it_with_the_default_tolerance(stack: StackHandle) -> None:
    names = [feature["properties"]["name"] for feature in featureinfo(stack, "places")]

    assert "Paris" in names


@pytest.mark.smoke
def test_a_tolerance_the_client_sends_is_kept(stack: StackHandle) -> None:
    assert featureinfo(stack, "places", FI_POINT_TOLERANCE="1") == []


@pytest.mark.smoke
def test_json_featureinfo_carries_each_layers_title(stack: StackHandle) -> None:
    features = featureinfo(stack, "places,countries")
    titles = {feature["id"].split(".")[0]: feature["properties"]["stack:layer_title"] for feature in features}

    assert titles == {"places": "Populated places", "countries": "Countries"}
