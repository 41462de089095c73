"""Hidden layers and rows stay hidden in every service: OGC API Features, GetPrint, schemas.

access/rules.yaml: observations is hidden from the public and the partner; places shows
the public pop_max > 5,000,000 and the partner pop_max > 1,000,000; countries hides
wb_a2/wb_a3 from both. The editor sees everything.
"""

from __future__ import annotations

import io

import psycopg
import pytest
from PIL import Image

from stack.harness.crosscheck import sql_ids
from stack.harness.handle import StackHandle
from stack.harness.ows import oapif_get, ows_get, service_exception

RESTRICTED = ["stack_anonymous", "stack_as_partner"]
ROW_FILTER = {"stack_anonymous": 5_000_000, "stack_as_partner": 1_000_000}
OBSERVATION_GREEN = (0x1A, 0x96, 0x41)  # qgis-server/demo/make_demo_project.py OBSERVATION
PLACE_RED = (0xB2, 0x18, 0x2B)  # qgis-server/demo/make_demo_project.py PLACE
PRINT = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetPrint",
    "TEMPLATE": "world",
    "FORMAT": "png",
    "CRS": "EPSG:4326",
    "map0:EXTENT": "48,4,52,8",
    "DPI": "50",
}


def pixels_of(png: bytes, colour: tuple[int, int, int]) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return next((count for count, found in colours if found == colour), 0)


def green_pixels(png: bytes) -> int:
    return pixels_of(png, OBSERVATION_GREEN)


def red_pixels(png: bytes) -> int:
    return pixels_of(png, PLACE_RED)


@pytest.mark.postgis
@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no-filter"),
        pytest.param({"pop_max": "0"}, id="attribute-filter"),
        pytest.param({"bbox": "-180,-90,180,90"}, id="bbox"),
        pytest.param({"name": "*a*"}, id="wildcard"),
    ],
)
def test_ogc_api_features_match_and_count_only_the_roles_rows(
    role: str, params: dict[str, str], request: pytest.FixtureRequest, pg: psycopg.Connection
) -> None:
    threshold = ROW_FILTER[role]
    allowed = sql_ids(pg, f"SELECT id FROM demo.places WHERE pop_max > {threshold}")

    response = oapif_get(
        request.getfixturevalue(role), "/collections/places/items", {"limit": "10000", **params}
    )

    assert response.status_code == 200, response.text[:300]
    body = response.json()
    served = {int(feature["id"]) for feature in body["features"]}
    assert served <= allowed
    assert body["numberMatched"] == len(served)
    if not params:
        assert served == allowed


@pytest.mark.parametrize("role", RESTRICTED)
def test_ogc_api_features_neither_show_nor_filter_nor_sort_on_hidden_attributes(
    role: str, request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)
    everything = oapif_get(stack, "/collections/countries/items", {"limit": "1000"}).json()

    for spelling in ("wb_a3", "WB_A3"):
        filtered = oapif_get(stack, "/collections/countries/items", {"limit": "1000", spelling: "NOR"}).json()
        assert filtered["numberMatched"] == everything["numberMatched"]  # ignored: no oracle
    assert all("wb_a3" not in feature["properties"] for feature in everything["features"])
    assert oapif_get(stack, "/collections/countries/items", {"sortby": "wb_a3"}).status_code == 400
    assert oapif_get(stack, "/collections/countries/items", {"properties": "wb_a3"}).status_code == 400
    assert oapif_get(stack, "/collections/observations/items").status_code == 404


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize(
    "layers",
    [
        pytest.param({}, id="the-layouts-own-layers"),
        pytest.param({"map0:LAYERS": "demo"}, id="project-root"),
        pytest.param({"MAP0:LAYERS": "countries,demo"}, id="upper-case-prefix"),
        pytest.param({"LAYERS": "demo"}, id="unprefixed-layers"),
    ],
)
def test_getprint_never_draws_a_hidden_layer(
    role: str, layers: dict[str, str], request: pytest.FixtureRequest, stack: StackHandle
) -> None:
    assert green_pixels(ows_get(stack, {**PRINT, **layers}).content) > 0  # the editor sees them here

    restricted = request.getfixturevalue(role)
    by_get = ows_get(restricted, {**PRINT, **layers})
    by_post = restricted.post(restricted.ows_url(), data={**PRINT, **layers})

    for response in (by_get, by_post):
        assert response.status_code == 200, response.text[:300]
        assert response.headers["Content-Type"].startswith("image/png")
        assert green_pixels(response.content) == 0


@pytest.mark.parametrize("role", RESTRICTED)
def test_a_map_following_a_theme_prints_the_themes_layers_the_role_may_see(
    role: str, request: pytest.FixtureRequest, stack: StackHandle
) -> None:
    # TEMPLATE=field: its map follows the theme "field-notes" (observations, countries).
    field = {**PRINT, "TEMPLATE": "field"}
    editor = ows_get(stack, field)
    assert editor.status_code == 200, editor.text[:300]
    assert green_pixels(editor.content) > 0
    assert red_pixels(editor.content) == 0  # places are not in the theme

    restricted = request.getfixturevalue(role)
    by_get = ows_get(restricted, field)
    by_post = restricted.post(restricted.ows_url(), data=field)

    for response in (by_get, by_post):
        assert response.status_code == 200, response.text[:300]
        assert green_pixels(response.content) == 0
        assert red_pixels(response.content) == 0  # not the project's checked layers instead


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize(
    "layers",
    [
        pytest.param({"map0:LAYERS": ""}, id="empty-map-layers"),
        pytest.param({"MAP0:LAYERS": "countries,observations"}, id="upper-case-prefix"),
        pytest.param({"LAYERS": "demo"}, id="project-root"),
    ],
)
def test_a_theme_following_map_never_draws_a_hidden_layer_however_layers_are_named(
    role: str, layers: dict[str, str], request: pytest.FixtureRequest
) -> None:
    restricted = request.getfixturevalue(role)
    field = {**PRINT, "TEMPLATE": "field", **layers}

    for response in (ows_get(restricted, field), restricted.post(restricted.ows_url(), data=field)):
        assert response.status_code == 200, response.text[:300]
        assert green_pixels(response.content) == 0


@pytest.mark.parametrize("role", RESTRICTED)
def test_getprint_naming_only_a_hidden_layer_is_refused(role: str, request: pytest.FixtureRequest) -> None:
    response = ows_get(request.getfixturevalue(role), {**PRINT, "map0:LAYERS": "observations"})

    assert response.status_code == 403
    exception = service_exception(response.content)
    assert exception is not None and exception.code == "Security"


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize("output", ["text/xml; subtype=gml/3.1.1", "application/json"])
def test_describefeaturetype_lists_no_hidden_attribute(
    role: str, output: str, request: pytest.FixtureRequest, stack: StackHandle
) -> None:
    query = {
        "SERVICE": "WFS",
        "VERSION": "1.1.0",
        "REQUEST": "DescribeFeatureType",
        "TYPENAME": "countries",
        "OUTPUTFORMAT": output,
    }
    full = ows_get(stack, query)
    restricted = ows_get(request.getfixturevalue(role), query)

    assert full.status_code == restricted.status_code == 200, restricted.text[:300]
    assert b"wb_a3" in full.content and b"wb_a2" in full.content
    assert b"wb_a3" not in restricted.content and b"wb_a2" not in restricted.content
    assert b"name" in restricted.content


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"SERVICE": "WMS", "REQUEST": "GetProjectSettings"}, id="wms-getprojectsettings"),
        pytest.param({"SERVICE": "WMS", "REQUEST": "GetCapabilities"}, id="wms-getcapabilities"),
        pytest.param({"SERVICE": "WFS", "REQUEST": "GetCapabilities", "VERSION": "1.1.0"}, id="wfs"),
        pytest.param({"SERVICE": "WCS", "REQUEST": "GetCapabilities"}, id="wcs"),
        pytest.param({"SERVICE": "WMTS", "REQUEST": "GetCapabilities"}, id="wmts"),
    ],
)
def test_capabilities_do_not_name_a_hidden_layer(
    role: str, query: dict[str, str], request: pytest.FixtureRequest
) -> None:
    response = ows_get(request.getfixturevalue(role), query)

    assert response.status_code == 200, response.text[:300]
    assert b"observations" not in response.content.lower()


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"REQUEST": "GetLegendGraphic", "LAYER": "demo", "FORMAT": "application/json"}, id="js"),
        pytest.param({"REQUEST": "GetLegendGraphic", "LAYERS": "demo", "FORMAT": "image/png"}, id="png"),
        pytest.param(
            {"REQUEST": "GetMap", "LAYERS": "demo", "STYLES": "", "CRS": "EPSG:4326", "BBOX": "48,4,52,8",
             "WIDTH": "64", "HEIGHT": "64", "FORMAT": "image/png"},
            id="getmap",
        ),
    ],
)  # fmt: skip
def test_asking_for_the_projects_root_does_not_reveal_a_hidden_layers_name(
    role: str, query: dict[str, str], request: pytest.FixtureRequest
) -> None:
    # QGIS either leaves the hidden layer out (200) or refuses (403); it must not name it.
    response = ows_get(request.getfixturevalue(role), {"SERVICE": "WMS", "VERSION": "1.3.0", **query})

    assert response.status_code in (200, 403), response.text[:300]
    assert b"observations" not in response.content.lower()


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize(
    "query",
    [
        {"REQUEST": "GetStyles", "LAYERS": "observations"},
        {"REQUEST": "DescribeLayer", "LAYERS": "observations", "SLD_VERSION": "1.1.0"},
        {"REQUEST": "GetLegendGraphic", "LAYER": "observations", "FORMAT": "image/png"},
    ],
    ids=["getstyles", "describelayer", "getlegendgraphic"],
)
def test_operations_on_a_hidden_layer_are_refused(
    role: str, query: dict[str, str], request: pytest.FixtureRequest
) -> None:
    response = ows_get(request.getfixturevalue(role), {"SERVICE": "WMS", "VERSION": "1.3.0", **query})

    assert response.status_code == 403, response.text[:300]


@pytest.mark.parametrize("role", RESTRICTED)
@pytest.mark.parametrize("spelling", ["SHOWFEATURECOUNT", "showFeatureCount"])
def test_legend_feature_counts_do_not_count_rows_past_the_roles_filter(
    role: str, spelling: str, request: pytest.FixtureRequest, stack: StackHandle
) -> None:
    query = {
        "SERVICE": "WMS",
        "VERSION": "1.3.0",
        "REQUEST": "GetLegendGraphic",
        "LAYER": "places",
        "FORMAT": "application/json",
        spelling: "TRUE",
    }
    everything = ows_get(stack, query).json()["nodes"][0]["title"]
    restricted = ows_get(request.getfixturevalue(role), query)

    assert everything.endswith("]")  # the editor gets the count of every row
    assert restricted.status_code == 200, restricted.text[:300]
    # QGIS counts every row of the layer, so the count is left out for filtered roles.
    assert "[" not in restricted.json()["nodes"][0]["title"]


@pytest.mark.parametrize("role", RESTRICTED)
def test_ogc_api_lists_the_collections_the_role_may_read(
    role: str, request: pytest.FixtureRequest, stack: StackHandle
) -> None:
    # QGIS 3.22 alone would answer the whole list with 404 for a role with a hidden layer.
    everything = {c["id"] for c in oapif_get(stack, "/collections").json()["collections"]}
    response = oapif_get(request.getfixturevalue(role), "/collections")

    assert response.status_code == 200, response.text[:300]
    listed = {c["id"] for c in response.json()["collections"]}
    assert listed == everything - {"observations"}
    # and the full list is back for the next request of another role
    assert {c["id"] for c in oapif_get(stack, "/collections").json()["collections"]} == everything
