"""Tests of your own QGIS Server project with the qgis-stack harness: a worked example.

    pip install 'qgis-stack @ git+https://…/qgis-stack.git'   # or: pip install ./qgis-stack
    pytest --stack-url http://127.0.0.1:8080 test_myproject.py

Installing the package registers its pytest plugin: the fixtures used below (stack, wms,
wfs, stack_as_partner, …) and the options --stack-url and --project need no conftest.py.
"""

import pytest

from stack.harness.ows import ows_get, service_exception

# The project's name: the stack serves projects/myproject.qgs at /ows/myproject (to try
# this file as it is, copy the demo there: README, "Testing your own projects"). The
# `project` fixture sets it for every test in this file; --project sets a default for all.
PROJECT = "myproject"


@pytest.fixture(scope="module")
def project() -> str:
    return PROJECT


def test_the_layers_we_publish_are_listed(wms):
    assert {"countries", "places"} <= set(wms.contents)


def test_places_are_served_as_features(wfs):
    assert "places" in wfs.contents


def test_a_map_of_the_countries_is_a_png(stack):
    response = ows_get(
        stack,
        {
            "SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": "countries", "STYLES": "",
            "CRS": "EPSG:4326", "BBOX": "-90,-180,90,180", "WIDTH": "256", "HEIGHT": "256",
            "FORMAT": "image/png",
        },
    )  # fmt: skip
    assert response.status_code == 200, service_exception(response.content)
    assert response.headers["Content-Type"] == "image/png"


def test_an_unknown_layer_is_a_client_error(stack):
    params = {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "GetFeature", "TYPENAME": "nope"}
    response = ows_get(stack, params)
    assert response.status_code == 400
