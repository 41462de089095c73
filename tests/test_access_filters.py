"""Filters cannot read past the access rules: no hidden attribute, no other layer, no server.

A client's filter (EXP_FILTER, FILTER, SORTBY, PROPERTYNAME, SLD_BODY, XML bodies) may
use the role's visible attributes and the functions of stack_access's allow-list only.
Every spelling and every way in is refused alike: GET, POST forms, POST XML, parameter
names in any case, WMS and WFS. The anonymous public and partner hide wb_a2/wb_a3 of
countries; the editor sees them, so its filters on them work.
"""

from __future__ import annotations

import pytest

from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get, ows_post, service_exception

RESTRICTED = ["stack_anonymous", "stack_as_partner"]
EVERY_ROLE = [*RESTRICTED, "stack_as_editor"]

HIDDEN_FILTERS = [
    pytest.param("\"wb_a3\" = 'NOR'", id="quoted"),
    pytest.param("wb_a3 = 'NOR'", id="bare"),
    pytest.param("\"WB_A3\" ILIKE 'nor'", id="upper-case"),
    pytest.param("/* c */ \"wb_a3\" LIKE 'N%'", id="comment"),
    pytest.param('"name" = \'Norway\' AND "wb_a2" IS NOT NULL', id="second-hidden-column"),
]

FORBIDDEN_FUNCTIONS = [
    pytest.param("aggregate('places', 'count', \"id\") > 7000", id="aggregate"),
    pytest.param("AGGREGATE /**/ ('observations', 'concatenate', \"name\") LIKE 'A%'", id="aggregate-spelt"),
    pytest.param("relation_aggregate('r', 'count', \"id\") > 0", id="relation_aggregate"),
    pytest.param("get_feature('observations', 'id', 1) IS NOT NULL", id="get_feature"),
    pytest.param("layer_property('observations', 'feature_count') > 0", id="layer_property"),
    pytest.param("eval('1') = 1", id="eval"),
    pytest.param("env('HOME') LIKE '/%'", id="env"),
    pytest.param("file_exists('/etc/passwd')", id="file_exists"),
    pytest.param("file_size('/etc/passwd') > 0", id="file_size"),
    pytest.param("@project_path LIKE '/srv%'", id="variable"),
    pytest.param("var('project_path') LIKE '/srv%'", id="var"),
    pytest.param("attribute(@feature, 'wb_' || 'a3') = 'NOR'", id="attribute"),
]

WFS_HITS = {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "GetFeature", "TYPENAME": "countries"}
WFS_HITS_NS = 'xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc"'


def assert_refused(response) -> None:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    exception = service_exception(response.content)
    assert exception is not None and exception.code == "InvalidParameterValue", response.text[:300]
    # stack_access's refusal, not some error of QGIS's own
    assert "not available" in exception.text or "may not" in exception.text, exception.text
    assert b"featureMember" not in response.content and b"numberOfFeatures" not in response.content


def wfs_getfeature_xml(filter_xml: str) -> bytes:
    return (
        f'<wfs:GetFeature service="WFS" version="1.1.0" {WFS_HITS_NS}>'
        f'<wfs:Query typeName="countries">{filter_xml}</wfs:Query></wfs:GetFeature>'
    ).encode()


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize("expression", HIDDEN_FILTERS)
def test_exp_filter_on_a_hidden_attribute_is_refused(
    role: str, expression: str, request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)

    assert_refused(ows_get(stack, {**WFS_HITS, "EXP_FILTER": expression}))
    assert_refused(ows_get(stack, {**WFS_HITS, "exp_filter": expression}))
    assert_refused(stack.post(stack.ows_url(), data={**WFS_HITS, "Exp_Filter": expression}))


def test_the_editor_who_sees_the_attribute_may_filter_on_it(stack_as_editor: StackHandle) -> None:
    response = ows_get(stack_as_editor, {**WFS_HITS, "RESULTTYPE": "hits", "EXP_FILTER": "\"wb_a3\" = 'NOR'"})

    assert response.status_code == 200, response.text[:300]
    assert b'numberOfFeatures="1"' in response.content


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize(
    "parameters",
    [
        pytest.param({"SORTBY": "wb_a3 DESC"}, id="sortby"),
        pytest.param({"PROPERTYNAME": "name,wb_a3"}, id="propertyname"),
        pytest.param(
            {"FILTER": "<Filter><PropertyIsEqualTo><PropertyName>wb_a3</PropertyName>"
             "<Literal>NOR</Literal></PropertyIsEqualTo></Filter>"},
            id="ogc-filter",
        ),
        pytest.param(
            {"FILTER": "<Filter><PropertyIsEqualTo><PropertyName>&#119;b_a3</PropertyName>"
             "<Literal>NOR</Literal></PropertyIsEqualTo></Filter>"},
            id="ogc-filter-character-reference",
        ),
    ],
)  # fmt: skip
def test_wfs_sort_property_and_ogc_filter_on_a_hidden_attribute_are_refused(
    role: str, parameters: dict[str, str], request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)

    assert_refused(ows_get(stack, {**WFS_HITS, **parameters}))
    assert_refused(stack.post(stack.ows_url(), data={**WFS_HITS, **parameters}))


@pytest.mark.parametrize("role", RESTRICTED)
def test_an_xml_getfeature_filtering_on_a_hidden_attribute_is_refused(
    role: str, request: pytest.FixtureRequest
) -> None:
    body = wfs_getfeature_xml(
        "<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>wb_a3</ogc:PropertyName>"
        "<ogc:Literal>NOR</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>"
    )

    assert_refused(ows_post(request.getfixturevalue(role), body, {}))


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize("request_name", ["GetMap", "GetFeatureInfo"])
def test_wms_filter_on_a_hidden_attribute_is_refused(
    role: str, request_name: str, request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)
    wms = {
        "SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": request_name, "LAYERS": "countries",
        "QUERY_LAYERS": "countries", "STYLES": "", "CRS": "EPSG:4326", "BBOX": "50,0,70,30",
        "WIDTH": "64", "HEIGHT": "64", "FORMAT": "image/png", "INFO_FORMAT": "application/json",
        "I": "32", "J": "32",
    }  # fmt: skip

    assert_refused(ows_get(stack, {**wms, "FILTER": "countries:\"wb_a3\" = 'NOR'"}))
    assert_refused(ows_get(stack, {**wms, "filter": "countries: \"WB_A3\" = 'NOR'"}))
    sld = (
        '<StyledLayerDescriptor version="1.1.0"><NamedLayer><Name>countries</Name><UserStyle>'
        "<FeatureTypeStyle><Rule><Filter><PropertyIsEqualTo><PropertyName>wb_a3</PropertyName>"
        "<Literal>NOR</Literal></PropertyIsEqualTo></Filter><PolygonSymbolizer/></Rule>"
        "</FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>"
    )
    assert_refused(stack.post(stack.ows_url(), data={**wms, "SLD_BODY": sld}))


@pytest.mark.parametrize("role", EVERY_ROLE)
@pytest.mark.parametrize("expression", FORBIDDEN_FUNCTIONS)
def test_functions_that_read_other_layers_the_server_or_files_are_refused_to_every_role(
    role: str, expression: str, request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)

    assert_refused(ows_get(stack, {**WFS_HITS, "EXP_FILTER": expression}))
    assert_refused(stack.post(stack.ows_url(), data={**WFS_HITS, "EXP_FILTER": expression}))


@pytest.mark.parametrize("role", EVERY_ROLE)
@pytest.mark.parametrize("name", ["env", "aggregate", "layer_property", "file_exists"])
def test_ogc_filter_functions_off_the_allow_list_are_refused(
    role: str, name: str, request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)
    function = f'<ogc:Function name="{name}"><ogc:Literal>HOME</ogc:Literal></ogc:Function>'
    ogc_filter = (
        f"<ogc:Filter {WFS_HITS_NS}><ogc:PropertyIsEqualTo>{function}"
        "<ogc:Literal>x</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>"
    )

    assert_refused(ows_get(stack, {**WFS_HITS, "FILTER": ogc_filter}))
    assert_refused(ows_post(stack, wfs_getfeature_xml(ogc_filter), {}))


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_filters_on_visible_attributes_with_allowed_functions_still_work(
    role: str, request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)
    response = ows_get(
        stack,
        {**WFS_HITS, "RESULTTYPE": "hits", "EXP_FILTER": 'upper("name") = \'NORWAY\' AND length("name") > 2'},
    )

    assert response.status_code == 200, response.text[:300]
    assert b'numberOfFeatures="1"' in response.content
