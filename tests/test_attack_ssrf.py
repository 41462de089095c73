"""Server-side request forgery: nothing in a request makes QGIS fetch a URL or open a source
of the caller's choosing, in any spelling, as a GET, a form POST or an XML POST, whatever
the service or operation.

Every example of the refusal table (stack_guard/refusals.json) goes through nginx here; the
table says which ones nginx already refuses (plain spellings in the raw query string) and
which only stack_guard can see (after QGIS decoded them). The network layer's part is in
test_attack_network.py.
"""

from urllib.parse import quote

import pytest

from stack.harness.handle import StackHandle
from stack.harness.ows import get_verbatim, oapif_url, service_exception
from stack.security.refusals import Example, allowed_queries, load_rules

EXAMPLES = [example for rule in load_rules() for example in rule.examples]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
XML = {"Content-Type": "text/xml; charset=utf-8"}
TARGET = "http://127.0.0.1:9/x"  # the QGIS container itself: harmless if it were ever fetched

SLD_WITH_LINK = (
    '<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" '
    'xmlns:se="http://www.opengis.net/se" xmlns:xlink="http://www.w3.org/1999/xlink">'
    "<NamedLayer><se:Name>places</se:Name><UserStyle><se:FeatureTypeStyle><se:Rule>"
    "<se:PointSymbolizer><se:Graphic><se:ExternalGraphic>"
    f'<se:OnlineResource xlink:type="simple" xlink:href="{TARGET}.svg"/>'
    "<se:Format>image/svg+xml</se:Format></se:ExternalGraphic></se:Graphic></se:PointSymbolizer>"
    "</se:Rule></se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>"
)
WMS = "SERVICE=WMS&VERSION=1.3.0&CRS=EPSG:4326&BBOX=-90,-180,90,180&WIDTH=64&HEIGHT=32&FORMAT=image/png"
OPERATIONS = {
    "GetMap": f"{WMS}&REQUEST=GetMap&LAYERS=places&STYLES=",
    "GetFeatureInfo": f"{WMS}&REQUEST=GetFeatureInfo&LAYERS=places&QUERY_LAYERS=places&I=1&J=1",
    "GetLegendGraphic": "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=places&FORMAT=image/png",
    "GetPrint": "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetPrint&TEMPLATE=world&FORMAT=png&DPI=30&CRS=EPSG:4326"
    "&map0:EXTENT=-90,-180,90,180&map0:LAYERS=places",
    "WFS GetFeature": "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=places&MAXFEATURES=1",
    "WCS GetCoverage": "SERVICE=WCS&VERSION=1.0.0&REQUEST=GetCoverage&COVERAGE=elevation&CRS=EPSG:4326"
    "&BBOX=5.8,49.4,6.6,50.2&WIDTH=10&HEIGHT=10&FORMAT=GeoTIFF",
    "WMTS GetTile": "SERVICE=WMTS&VERSION=1.0.0&REQUEST=GetTile&LAYER=demo&STYLE=&TILEMATRIXSET=EPSG:4326"
    "&TILEMATRIX=0&TILEROW=0&TILECOL=0&FORMAT=image/png",
}
ATTACKS = {
    "remote layer": f"LAYERS=EXTERNAL_WMS:x&x:url={quote(TARGET)}",
    "remote layer, encoded": f"LAYERS=%45XTERNAL_WMS:x&x:url={quote(TARGET)}",
    "print map remote layer": f"map0:LAYERS=%45XTERNAL_WMS:x&x:url={quote(TARGET)}",
    "NUL in a name": "LAYERS%00=EXTERNAL_WMS:x",
    "SLD URL": f"SLD={quote(TARGET)}.sld",
    "SLD URL, encoded name": f"S%4CD={quote(TARGET)}.sld",
    "linked style": f"SLD_BODY={quote(SLD_WITH_LINK)}",
    "linked style, encoded": "SLD_BODY=" + quote(SLD_WITH_LINK).replace("OnlineResource", "%4FnlineResource"),
    "linked highlight": f"HIGHLIGHT_GEOM=POINT(0%200)&HIGHLIGHT_SYMBOL={quote(SLD_WITH_LINK)}",
    "project file": "MAP=/usr/share/qgis-stack/health.qgs",
    "project file, encoded": "m%41p=/usr/share/qgis-stack/health.qgs",
}


def assert_refused(status: int, body: bytes) -> None:
    """Refused by nginx (plain text naming the rule) or by stack_guard (an OGC exception)."""
    assert status == 400, body[:300]
    if body.startswith(b"refused parameter: "):
        return
    exception = service_exception(body)
    assert exception is not None, body[:300]
    assert exception.code == "InvalidParameterValue", exception
    assert "refused" in exception.text, exception
    # MAP pointed at the health project: its title must never come back.
    assert b"qgis-stack health" not in body


def assert_not_refused(status: int, body: bytes) -> None:
    assert not body.startswith(b"refused parameter"), body[:300]
    exception = service_exception(body)
    assert exception is None or "refused" not in exception.text, exception
    assert status < 500, body[:300]


@pytest.mark.smoke
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.rule}:{e.query[:50]}")
def test_every_refusal_table_example_is_refused_as_a_get(stack: StackHandle, example: Example) -> None:
    status, body = get_verbatim(f"{stack.ows_url()}?{example.query}", stack)

    assert_refused(status, body)
    # nginx answers the plain spellings itself; the rest reach stack_guard.
    assert body.startswith(b"refused parameter: ") == example.nginx, body[:200]


@pytest.mark.smoke
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.rule}:{e.query[:50]}")
def test_every_refusal_table_example_is_refused_in_a_form_post(stack: StackHandle, example: Example) -> None:
    # QGIS reads any POST body that is not XML as a query string; nginx does not parse it.
    response = stack.post(stack.ows_url(), data=example.query.encode(), headers=FORM)

    assert_refused(response.status_code, response.content)
    assert service_exception(response.content) is not None


@pytest.mark.smoke
@pytest.mark.parametrize("query", allowed_queries())
def test_ordinary_requests_of_the_table_are_not_refused(stack: StackHandle, query: str) -> None:
    url = oapif_url(stack, "/collections/places/items") if query.startswith("limit=") else stack.ows_url()

    assert_not_refused(*get_verbatim(f"{url}?{query}", stack))


@pytest.mark.smoke
@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_every_operation_refuses_every_attack_as_get_and_form_post(
    stack: StackHandle, operation: str, attack: str
) -> None:
    query = f"{operation}&{attack}"

    assert_refused(*get_verbatim(f"{stack.ows_url()}?{query}", stack))
    response = stack.post(stack.ows_url(), data=query.encode(), headers=FORM)
    assert_refused(response.status_code, response.content)


@pytest.mark.smoke
@pytest.mark.parametrize(
    "attack", ["x:url=http://127.0.0.1:9/", "MAP=/etc/passwd", "SLD=http://127.0.0.1:9/"]
)
def test_ogc_api_features_refuses_the_same_parameters(stack: StackHandle, attack: str) -> None:
    status, body = get_verbatim(f"{oapif_url(stack, '/collections/places/items')}?limit=1&{attack}", stack)

    assert_refused(status, body)


def xml_root(attributes: str, tag: str = "GetMap") -> bytes:
    return (
        f'<{tag} service="WMS" version="1.3.0" CRS="EPSG:4326" BBOX="-90,-180,90,180" WIDTH="64" HEIGHT="32" '
        f'FORMAT="image/png" STYLES="" {attributes}/>'
    ).encode()


XML_ATTACKS = {
    # QGIS turns the root element's attributes into request parameters.
    "remote layer": xml_root(f'LAYERS="EXTERNAL_WMS:x" x:url="{TARGET}" xmlns:x="urn:x"'),
    "remote layer, plain name": xml_root(f'LAYERS="EXTERNAL_WMS:x" url="{TARGET}"'),
    "SLD URL": xml_root(f'LAYERS="places" SLD="{TARGET}.sld"'),
    "project file": xml_root('LAYERS="places" MAP="/usr/share/qgis-stack/health.qgs"'),
    "print map remote layer": xml_root(
        f'TEMPLATE="world" map0:LAYERS="EXTERNAL_WMS:x" x:url="{TARGET}" xmlns:map0="urn:m" xmlns:x="urn:x"',
        tag="GetPrint",
    ),
    "linked style": xml_root(
        'LAYERS="places" SLD_BODY="&lt;a xlink:href=&quot;http://127.0.0.1:9/&quot;/&gt;"'
    ),
    "linked style, character references": xml_root(
        'LAYERS="places" SLD_BODY="&lt;a xlink:&#104;ref=&quot;http://127.0.0.1:9/&quot;/&gt;"'
    ),
}


@pytest.mark.smoke
@pytest.mark.parametrize("body", XML_ATTACKS.values(), ids=XML_ATTACKS.keys())
def test_xml_posts_are_refused_whatever_the_attribute(stack: StackHandle, body: bytes) -> None:
    response = stack.post(stack.ows_url(), data=body, headers=XML)

    assert_refused(response.status_code, response.content)


@pytest.mark.smoke
def test_a_style_without_links_still_draws(stack: StackHandle) -> None:
    sld = SLD_WITH_LINK.replace(
        f'<se:ExternalGraphic><se:OnlineResource xlink:type="simple" xlink:href="{TARGET}.svg"/>'
        "<se:Format>image/svg+xml</se:Format></se:ExternalGraphic>",
        "<se:Mark><se:WellKnownName>circle</se:WellKnownName></se:Mark>",
    )
    status, body = get_verbatim(f"{stack.ows_url()}?{OPERATIONS['GetMap']}&SLD_BODY={quote(sld)}")

    assert status == 200, body[:300]
    assert body.startswith(b"\x89PNG")
