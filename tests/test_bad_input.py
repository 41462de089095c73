"""Bad input gets a clear 4xx or an OGC ServiceException: never a 500, never another project.

Refused parameters (MAP, SLD, EXTERNAL_WMS...) are tested in test_attack_ssrf.py."""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get, service_exception
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
