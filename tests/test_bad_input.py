"""Bad input gets a clear 4xx or an OGC ServiceException: never a 500, never another project."""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.ows import get_verbatim, ows_get, service_exception
from tests.demo import WORLD_COUNTRIES_GETMAP

GETMAP = WORLD_COUNTRIES_GETMAP


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
    response = stack.get(path)

    assert response.status_code == 404
    assert "A-Z a-z 0-9" in response.text


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["MAP", "map", "Map"])
def test_a_map_parameter_is_refused_by_nginx_before_it_reaches_qgis(stack: StackHandle, name: str) -> None:
    query = f"SERVICE=WMS&REQUEST=GetCapabilities&{name}=/usr/share/qgis-stack/health.qgs"
    response = stack.get(f"{stack.ows_url()}?{query}")

    assert response.status_code == 400
    assert "refused parameter: MAP" in response.text
    assert "QGIS" not in response.headers.get("Server", "")


def assert_refused_by_qgis(status: int, body: bytes, parameter: str) -> None:
    assert status == 400, body[:300]
    exception = service_exception(body)
    assert exception is not None, body[:300]
    assert exception.code == "InvalidParameterValue"
    assert f"refused parameter {parameter}" in exception.text
    # The health project is what MAP pointed at: its title must not come back.
    assert b"qgis-stack health" not in body


@pytest.mark.smoke
@pytest.mark.parametrize("spelling", ["%4DAP", "m%61p", "%6D%61%70"])
def test_a_percent_encoded_map_parameter_is_refused_inside_qgis(stack: StackHandle, spelling: str) -> None:
    query = f"SERVICE=WMS&REQUEST=GetCapabilities&{spelling}=/usr/share/qgis-stack/health.qgs"

    assert_refused_by_qgis(*get_verbatim(f"{stack.ows_url()}?{query}", stack), "MAP")


@pytest.mark.smoke
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/xml"])
def test_a_map_parameter_in_a_post_body_is_refused(stack: StackHandle, content_type: str) -> None:
    # QGIS reads any POST body that is not XML as a query string, whatever its Content-Type.
    body = "SERVICE=WMS&REQUEST=GetCapabilities&MAP=/usr/share/qgis-stack/health.qgs"
    response = stack.post(stack.ows_url(), data=body, headers={"Content-Type": content_type})

    assert_refused_by_qgis(response.status_code, response.content, "MAP")


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ("SERVICE=WMS&REQUEST=GetMap&SLD=http://127.0.0.1:9/x.sld", "SLD"),
        ("SERVICE=WMS&REQUEST=GetMap&LAYERS=EXTERNAL_WMS:x&x:url=http://127.0.0.1:9/", "LAYERS"),
    ],
)
def test_parameters_that_make_the_server_fetch_urls_are_refused_in_post_bodies(
    stack: StackHandle, body: str, parameter: str
) -> None:
    response = stack.post(
        stack.ows_url(), data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert_refused_by_qgis(response.status_code, response.content, parameter)


@pytest.mark.smoke
def test_an_ordinary_xml_post_still_works(stack: StackHandle) -> None:
    body = (
        '<wfs:GetFeature service="WFS" version="1.1.0" maxFeatures="2" '
        'xmlns:wfs="http://www.opengis.net/wfs"><wfs:Query typeName="countries"/></wfs:GetFeature>'
    )
    response = stack.post(stack.ows_url(), data=body, headers={"Content-Type": "text/xml"})

    assert response.status_code == 200, response.text[:300]
    assert b"countries" in response.content
    assert service_exception(response.content) is None


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
