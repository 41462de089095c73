"""Bad input gets a clear 4xx or an OGC ServiceException: never a 500, never another project."""

import pytest
import requests

from stack.handle import StackHandle
from stack.ows import ows_get, service_exception

GETMAP = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetMap",
    "LAYERS": "countries",
    "STYLES": "",
    "CRS": "EPSG:4326",
    "BBOX": "-90,-180,90,180",
    "WIDTH": "200",
    "HEIGHT": "100",
    "FORMAT": "image/png",
}


@pytest.mark.smoke
def test_an_unknown_project_is_a_404_that_names_it(stack: StackHandle) -> None:
    response = ows_get(stack, {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}, project="no_such_project")

    assert response.status_code == 404
    assert "no_such_project" in response.text


@pytest.mark.smoke
@pytest.mark.parametrize("path", ["/ows/demo.qgs", "/ows/..%2Fdemo", "/ows/", "/ows/a%20b"])
def test_a_malformed_project_name_is_a_404_that_says_what_names_look_like(
    stack: StackHandle, path: str
) -> None:
    response = requests.get(f"{stack.base_url}{path}", timeout=10)

    assert response.status_code == 404
    assert "A-Z a-z 0-9" in response.text


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["MAP", "map", "Map", "%4DAP"])
def test_a_map_parameter_is_refused_before_it_reaches_qgis(stack: StackHandle, name: str) -> None:
    query = f"SERVICE=WMS&REQUEST=GetCapabilities&{name}=/etc/passwd"
    response = requests.get(f"{stack.ows_url()}?{query}", timeout=10)

    assert response.status_code == 400
    assert "refused parameter" in response.text
    assert "QGIS" not in response.headers.get("Server", "")


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("change", "codes", "named"),
    [
        ({"LAYERS": "no_such_layer"}, {"LayerNotDefined"}, "no_such_layer"),
        ({"CRS": "EPSG:999999"}, {"InvalidCRS"}, "CRS"),
        # QGIS spells the OGC code InvalidParameterValue as "Invalid Parameter".
        ({"BBOX": "not,a,bbox"}, {"InvalidParameterValue", "Invalid Parameter"}, "BBOX"),
        ({"BBOX": "90,180,-90,-180"}, {"InvalidParameterValue", "Invalid Parameter"}, "BBOX"),
    ],
)
def test_a_bad_getmap_is_a_service_exception_that_names_the_problem(
    stack: StackHandle, change: dict[str, str], codes: set[str], named: str
) -> None:
    response = ows_get(stack, {**GETMAP, **change})

    assert response.status_code < 500, response.text[:500]
    exception = service_exception(response.content)
    assert exception is not None, response.content[:300]
    assert exception.code in codes, exception
    assert named in exception.text, exception
