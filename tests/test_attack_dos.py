"""One request must not degrade or kill the service: what would crash or starve a worker is
refused before QGIS works on it, with a 4xx that says what was wrong.

- XML bodies: QGIS parses every POST body before any plugin runs and crashes on deep
  nesting or entity declarations: nginx's body gate (njs) refuses them.
- Sizes: DPI, image and coverage sizes are capped (STACK_WMS_MAX_DPI, QGIS_SERVER_WMS_MAX_*,
  STACK_WCS_MAX_*), for every WMS operation, GetFeatureInfo included (QGIS caps only some).
- WFS-T naming a property the layer lacks spins a QGIS worker forever: stack_guard refuses it.
- A request without SERVICE or REQUEST is the client's mistake: 400, not 200 or 501.
"""

from __future__ import annotations

import psycopg
import pytest
import requests

from stack.deploy.containers import service_container
from stack.harness.handle import StackHandle
from stack.harness.ows import get_verbatim, ows_get, service_exception
from stack.harness.postgis import count_rows
from stack.harness.wfst import insert, transaction, update
from tests.demo import EDITABLE_LAYER, VECTOR_LAYERS

XML = {"Content-Type": "text/xml; charset=utf-8"}
# Short: a regression that makes QGIS spin must fail this test, not hang the suite.
QUICK_S = 20
GETFEATURE_OPEN = (
    '<wfs:GetFeature service="WFS" version="1.1.0" xmlns:wfs="http://www.opengis.net/wfs" '
    'xmlns:ogc="http://www.opengis.net/ogc"><wfs:Query typeName="countries"><ogc:Filter>'
)
GETFEATURE_CLOSE = "</ogc:Filter></wfs:Query></wfs:GetFeature>"


def nested(depth: int) -> bytes:
    return (GETFEATURE_OPEN + "<ogc:Not>" * depth + "</ogc:Not>" * depth + GETFEATURE_CLOSE).encode()


def post(stack: StackHandle, body: bytes, params: dict[str, str] | None = None) -> requests.Response:
    return stack.post(stack.ows_url(), data=body, params=params, headers=XML, timeout=QUICK_S)


def assert_client_error(response: requests.Response, says: str, status: int = 400) -> None:
    assert response.status_code == status, response.text[:300]
    exception = service_exception(response.content)
    assert exception is not None, response.text[:300]
    assert says in exception.text, exception


def qgis_starts(stack: StackHandle) -> tuple[str, int]:
    """When the qgis-server container started and how often it restarted: a crash changes both."""
    import docker

    assert stack.settings is not None
    container = service_container(docker.from_env(), stack.settings.project_name, "qgis-server")
    return container.attrs["State"]["StartedAt"], container.attrs["RestartCount"]


DANGEROUS_BODIES = {
    "nested 100 deep": (nested(100), 400, "deeper than"),
    "nested 50,000 deep (crashed a worker)": (nested(50_000), 400, "deeper than"),
    "entity declarations": (
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + nested(1),
        400,
        "DOCTYPE",
    ),
    "a DOCTYPE after the XML declaration": (
        b'<?xml version="1.0"?>\n<!DOCTYPE GetFeature SYSTEM "file:///etc/passwd">' + nested(1),
        400,
        "DOCTYPE",
    ),
    "UTF-16, which hides the markup from a byte scan": (nested(1).decode().encode("utf-16"), 400, "NUL"),
    "a declared encoding other than UTF-8": (
        b'<?xml version="1.0" encoding="UTF-7"?>' + nested(1),
        400,
        "UTF-8",
    ),
}


@pytest.mark.parametrize(("body", "status", "says"), DANGEROUS_BODIES.values(), ids=DANGEROUS_BODIES.keys())
def test_xml_bodies_that_crash_qgis_are_refused_before_it_parses_them(
    stack: StackHandle, body: bytes, status: int, says: str
) -> None:
    assert_client_error(post(stack, body, {"SERVICE": "WFS"}), says, status)


# An empty body has nothing to check, however it is framed; the njs of nginx 1.30 (3.44's
# image) handed it over as a detached buffer, and the gate answered a 500.
EMPTY_BODIES = {
    "Content-Length: 0": {},
    "Content-Length: 00": {"Content-Length": "00"},
    "chunked, no chunk": {"Transfer-Encoding": "chunked"},
}


@pytest.mark.parametrize("framing", EMPTY_BODIES.values(), ids=EMPTY_BODIES.keys())
def test_an_empty_post_body_in_any_framing_is_answered_like_no_body(
    stack: StackHandle, framing: dict[str, str]
) -> None:
    # A generator makes requests send the chunked framing (the last chunk only).
    body = iter(()) if "Transfer-Encoding" in framing else b""
    response = stack.post(
        stack.ows_url(),
        params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"},
        data=body,
        headers={**XML, **framing},
        timeout=QUICK_S,
    )
    assert response.status_code == 200, response.text[:300]
    assert b"WMS_Capabilities" in response.content


def test_an_xml_body_over_the_size_limit_is_refused(stack: StackHandle) -> None:
    flat = GETFEATURE_OPEN + "<ogc:Not/>" * 450_000 + GETFEATURE_CLOSE  # ~4.5 MB > 4m

    assert_client_error(post(stack, flat.encode()), "at most", 413)


def test_an_ordinary_nested_filter_still_works(stack: StackHandle) -> None:
    body = (
        GETFEATURE_OPEN
        + "<ogc:Not><ogc:Not><ogc:PropertyIsEqualTo><ogc:PropertyName>name</ogc:PropertyName>"
        + "<ogc:Literal>Luxembourg</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Not></ogc:Not>"
        + GETFEATURE_CLOSE
    )

    response = post(stack, body.encode())

    assert response.status_code == 200, response.text[:300]
    assert b"Luxembourg" in response.content


@pytest.mark.docker
def test_a_burst_of_crash_bodies_leaves_the_container_running(stack: StackHandle) -> None:
    before = qgis_starts(stack)
    # Enough to exhaust multiwatch's retries (QGIS_WORKER_RETRIES=3 per worker in 10 s) if
    # each one still killed a worker.
    for body in [nested(50_000), DANGEROUS_BODIES["entity declarations"][0]] * 6:
        assert post(stack, body).status_code == 400

    assert ows_get(stack, {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}).status_code == 200
    assert qgis_starts(stack) == before


WMS_MAP = "SERVICE=WMS&VERSION=1.3.0&CRS=EPSG:4326&BBOX=-90,-180,90,180&FORMAT=image/png&STYLES="
OVERSIZED = {
    "GetPrint at 2200 DPI": "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetPrint&TEMPLATE=world&FORMAT=png&DPI=2200"
    "&CRS=EPSG:4326&map0:EXTENT=-90,-180,90,180",
    "GetMap at 5000 DPI": f"{WMS_MAP}&REQUEST=GetMap&LAYERS=countries&WIDTH=64&HEIGHT=32&DPI=5000",
    "GetMap with FORMAT_OPTIONS dpi": f"{WMS_MAP}&REQUEST=GetMap&LAYERS=countries&WIDTH=64&HEIGHT=32"
    "&FORMAT_OPTIONS=dpi:4000",
    "GetMap 20000 wide": f"{WMS_MAP}&REQUEST=GetMap&LAYERS=countries&WIDTH=20000&HEIGHT=10",
    # QGIS itself checks no size for GetFeatureInfo and allocates WIDTH x HEIGHT all the same.
    "GetFeatureInfo 100000 x 100000": f"{WMS_MAP}&REQUEST=GetFeatureInfo&LAYERS=countries"
    "&QUERY_LAYERS=countries&WIDTH=100000&HEIGHT=100000&I=1&J=1",
    "GetLegendGraphic 30000 high": "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=countries"
    "&FORMAT=image/png&WIDTH=100&HEIGHT=30000",
    "WCS GetCoverage 16000 x 16000": "SERVICE=WCS&VERSION=1.0.0&REQUEST=GetCoverage&COVERAGE=elevation"
    "&CRS=EPSG:4326&BBOX=5.8,49.4,6.6,50.2&WIDTH=16000&HEIGHT=16000&FORMAT=GeoTIFF",
}


@pytest.mark.smoke
@pytest.mark.parametrize("query", OVERSIZED.values(), ids=OVERSIZED.keys())
def test_oversized_renders_are_refused_at_once(stack: StackHandle, query: str) -> None:
    status, body = get_verbatim(f"{stack.ows_url()}?{query}")

    assert status == 400, body[:300]
    exception = service_exception(body)
    assert exception is not None, body[:300]
    assert "at most" in exception.text, exception


@pytest.mark.smoke
@pytest.mark.parametrize(
    "query",
    [
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetPrint&TEMPLATE=world&FORMAT=png&DPI=60&CRS=EPSG:4326"
        "&map0:EXTENT=-90,-180,90,180",
        "SERVICE=WCS&VERSION=1.0.0&REQUEST=GetCoverage&COVERAGE=elevation&CRS=EPSG:4326"
        "&BBOX=5.8,49.4,6.6,50.2&WIDTH=100&HEIGHT=100&FORMAT=GeoTIFF",
    ],
    ids=["GetPrint at 60 DPI", "WCS GetCoverage 100 x 100"],
)
def test_renders_within_the_limits_still_work(stack: StackHandle, query: str) -> None:
    status, body = get_verbatim(f"{stack.ows_url()}?{query}")

    assert status == 200, body[:300]
    assert service_exception(body) is None


@pytest.fixture
def editor(stack_as_editor: StackHandle) -> StackHandle:
    return stack_as_editor


def unknown_property_bodies() -> dict[str, bytes]:
    ok = {"name": "Kingfisher", "kind": "sighting", "observed_on": "2024-06-01"}
    commented = transaction(insert("observations", ok, (6.13, 49.61))).replace(
        b"<qgs:name>", b"<!-- a comment QGIS loops on --><qgs:name>"
    )
    return {
        "Insert of an unknown property": transaction(
            insert("observations", {**ok, "no_such_property": "x"}, (6.13, 49.61))
        ),
        "Insert with a comment among the properties": commented,
        "Update of an unknown property": transaction(update("observations", [1], {"no_such_property": "x"})),
    }


@pytest.mark.postgis
@pytest.mark.parametrize("body", unknown_property_bodies().values(), ids=unknown_property_bodies().keys())
def test_a_transaction_naming_an_unknown_property_is_refused_at_once_and_changes_nothing(
    editor: StackHandle, pg: psycopg.Connection, body: bytes
) -> None:
    rows = count_rows(pg, VECTOR_LAYERS[EDITABLE_LAYER])

    response = post(editor, body, {"SERVICE": "WFS", "REQUEST": "Transaction", "VERSION": "1.1.0"})

    assert_client_error(response, "refused transaction")
    assert count_rows(pg, VECTOR_LAYERS[EDITABLE_LAYER]) == rows
    assert ows_get(editor, {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}).status_code == 200


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("query", "body", "locator"),
    [
        ("", None, "SERVICE"),
        ("REQUEST=GetCapabilities", None, "SERVICE"),
        ("SERVICE=WMS", None, "REQUEST"),
        ("SERVICE=WFS&VERSION=1.1.0", None, "REQUEST"),
        ("SERVICE=WCS", None, "REQUEST"),
        ("SERVICE=WMTS", None, "REQUEST"),
        ("SERVICE=NOPE&REQUEST=GetCapabilities", None, "SERVICE"),
        ("SERVICE=WFS", b"<wfs:GetFeature", "request body"),
        ("", b"<GetFeature service='WFS'><Query", "request body"),
    ],
)
def test_a_request_without_service_or_request_is_a_400_that_says_which(
    stack: StackHandle, query: str, body: bytes | None, locator: str
) -> None:
    url = f"{stack.ows_url()}?{query}"
    response = (
        stack.post(url, data=body, headers=XML, timeout=QUICK_S) if body else stack.get(url, timeout=QUICK_S)
    )

    assert response.status_code == 400, response.text[:300]
    assert f'locator="{locator}"' in response.text, response.text[:300]


@pytest.mark.smoke
@pytest.mark.parametrize("service", ["WMS", "WFS", "WCS", "WMTS"])
def test_an_unknown_request_is_a_400_not_a_501(stack: StackHandle, service: str) -> None:
    # QGIS answers OperationNotSupported with 501; stack_guard makes it the client's 400.
    response = ows_get(stack, {"SERVICE": service, "VERSION": "1.3.0", "REQUEST": "NoSuchOperation"})

    assert response.status_code == 400, response.text[:300]
    exception = service_exception(response.content)
    assert exception is not None
    assert exception.code == "OperationNotSupported"
