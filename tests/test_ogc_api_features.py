"""OGC API Features (QGIS's "WFS3", at /ows/<project>/wfs3) through nginx, against PostGIS.

OWSLib's Features client reads the landing page, conformance, collections and items. It is
not used for: feature_collections() (QGIS's collections carry no "itemType", so OWSLib
lists none; collections() is used instead), following "next" links (OWSLib has no call for
it) and error responses (OWSLib turns them into a RuntimeError without the HTTP status).
"""

import math
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from owslib.ogcapi.features import Features

from stack.harness.crosscheck import compare_geometry, same_value, sql_ids, stored_rows
from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion, known_bug
from stack.harness.ows import oapif_get, oapif_url
from stack.harness.postgis import count_rows
from stack.harness.wfs import feature_id
from tests.demo import EDITABLE_LAYER, VECTOR_LAYERS

CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
LUXEMBOURG = (5.5, 49.3, 6.6, 50.3)  # west, south, east, north
EUROPE = (0.0, 40.0, 20.0, 50.0)
PAGED_LAYER = "rivers"  # 1,454 rows: four pages of 400
PAGE_SIZE = 400
STATIC_LAYERS = sorted(set(VECTOR_LAYERS) - {EDITABLE_LAYER})


@pytest.fixture(scope="module")
def features(stack: StackHandle) -> Features:
    return stack.features()


def envelope(box: tuple[float, float, float, float]) -> str:
    return "ST_MakeEnvelope({}, {}, {}, {}, 4326)".format(*box)


def link(document: dict[str, Any], rel: str) -> str | None:
    return next((item["href"] for item in document.get("links", []) if item["rel"] == rel), None)


def on_client_url(stack: StackHandle, href: str) -> str:
    """The link's path and query on the URL this client uses. The host QGIS writes into links
    is checked on its own (test_links_point_at_the_url_the_client_used)."""
    parts = urlsplit(href)
    return f"{stack.base_url}{parts.path}?{parts.query}"


@pytest.mark.smoke
def test_landing_page_links_to_the_api_conformance_and_collections(features: Features) -> None:
    rels = {item["rel"] for item in features.links}

    assert {"self", "service-desc", "conformance", "data"} <= rels


@pytest.mark.smoke
def test_conformance_declares_core_and_geojson(features: Features) -> None:
    declared = set(features.conformance()["conformsTo"])

    assert {f"{CONFORMANCE}core", f"{CONFORMANCE}geojson"} <= declared


@pytest.mark.smoke
def test_collections_are_the_wfs_layers(
    features: Features, request: pytest.FixtureRequest, qgis_version: QgisVersion | None
) -> None:
    known_bug(
        request,
        qgis_version,
        before=(3, 40),
        bug='links to a collection\'s items with rel="item", not "items"',
    )
    collections = features.collections()["collections"]

    assert {collection["id"] for collection in collections} == set(VECTOR_LAYERS)
    assert all(link(collection, "items") for collection in collections)


@pytest.mark.smoke
def test_one_collection_describes_its_layer(features: Features) -> None:
    places = features.collection("places")

    assert places["id"] == "places"
    assert places["title"] == "Populated places"
    assert "http://www.opengis.net/def/crs/OGC/1.3/CRS84" in places["crs"]


@pytest.mark.postgis
@pytest.mark.parametrize("layer", STATIC_LAYERS)
def test_number_matched_counts_the_postgis_rows(
    features: Features, pg: psycopg.Connection, layer: str
) -> None:
    items = features.collection_items(layer, limit=1)

    assert items["numberMatched"] == count_rows(pg, VECTOR_LAYERS[layer])
    assert items["numberReturned"] == len(items["features"]) == 1


@pytest.mark.postgis
def test_items_of_the_editable_layer_are_the_postgis_rows(features: Features, pg: psycopg.Connection) -> None:
    # Not numberMatched: without a filter QGIS 3.40 answers with the layer's cached feature
    # count, which each QGIS worker keeps from its first request and shifts only by the WFS-T
    # edits it handled itself, so after edits it differs from worker to worker.
    items = features.collection_items(EDITABLE_LAYER, limit=1000)

    assert items["numberReturned"] == len(items["features"])
    assert {feature_id(f["id"]) for f in items["features"]} == sql_ids(pg, "SELECT id FROM demo.observations")


@pytest.mark.smoke
def test_limit_caps_the_features_returned(features: Features) -> None:
    items = features.collection_items("places", limit=7)

    assert len(items["features"]) == items["numberReturned"] == 7
    assert items["numberMatched"] > 7


@pytest.mark.postgis
def test_bbox_selects_the_features_in_it(features: Features, pg: psycopg.Connection) -> None:
    items = features.collection_items("places", bbox=list(LUXEMBOURG), limit=100)
    served = [feature_id(feature["id"]) for feature in items["features"]]

    assert served, "an empty selection proves nothing"
    assert items["numberMatched"] == len(served)
    assert set(served) == sql_ids(
        pg, f"SELECT id FROM demo.places WHERE ST_Intersects(geom, {envelope(LUXEMBOURG)})"
    )


@pytest.mark.postgis
def test_bbox_on_polygons_selects_by_envelope_overlap(features: Features, pg: psycopg.Connection) -> None:
    # QGIS 3.40 quirk: OGC API Features wants features whose geometry intersects the bbox (and
    # WFS BBOX does that), but here a country is selected when its envelope overlaps it.
    items = features.collection_items("countries", bbox=list(EUROPE), limit=100)
    served = {feature_id(feature["id"]) for feature in items["features"]}
    overlapping = sql_ids(pg, f"SELECT id FROM demo.countries WHERE geom && {envelope(EUROPE)}")
    intersecting = sql_ids(pg, f"SELECT id FROM demo.countries WHERE ST_Intersects(geom, {envelope(EUROPE)})")

    assert intersecting < overlapping, "the case no longer tells the two apart"
    assert served == overlapping


@pytest.mark.postgis
@pytest.mark.parametrize(("layer", "row_id"), [("places", 100), ("countries", 224), ("ocean", 682)])
def test_one_item_holds_the_postgis_values(
    features: Features, pg: psycopg.Connection, layer: str, row_id: int
) -> None:
    item = features.collection_item(layer, str(row_id))
    stored = stored_rows(pg, VECTOR_LAYERS[layer], [row_id])[row_id]
    mismatched = {
        name: (value, item["properties"].get(name))
        for name, value in stored.items()
        if not same_value(value, item["properties"].get(name))
    }

    assert feature_id(item["id"]) == row_id
    assert set(item["properties"]) == set(stored)
    assert not mismatched, mismatched
    comparison = compare_geometry(pg, VECTOR_LAYERS[layer], row_id, item["geometry"], "geojson")
    assert comparison.matches(), comparison


@pytest.mark.postgis
def test_next_links_page_through_every_feature_once(
    stack: StackHandle, features: Features, pg: psycopg.Connection
) -> None:
    total = count_rows(pg, VECTOR_LAYERS[PAGED_LAYER])
    page = features.collection_items(PAGED_LAYER, limit=PAGE_SIZE)
    pages = [page]
    while (href := link(page, "next")) is not None and len(pages) <= math.ceil(total / PAGE_SIZE):
        response = stack.get(on_client_url(stack, href))
        response.raise_for_status()
        page = response.json()
        pages.append(page)
    served = [feature_id(feature["id"]) for page in pages for feature in page["features"]]

    assert len(pages) == math.ceil(total / PAGE_SIZE), "the last page links to a next one, or one is missing"
    assert {page["numberMatched"] for page in pages} == {total}
    assert [page["numberReturned"] for page in pages] == [len(page["features"]) for page in pages]
    assert len(served) == len(set(served)), "a feature is on two pages"
    assert set(served) == sql_ids(pg, f"SELECT id FROM {VECTOR_LAYERS[PAGED_LAYER]}")


@pytest.mark.smoke
def test_links_point_at_the_url_the_client_used(stack: StackHandle, features: Features) -> None:
    # QGIS builds links from the FastCGI SERVER_NAME/SERVER_PORT, not from X-Forwarded-Host.
    documents = [
        {"links": features.links},
        features.conformance(),
        features.collections(),
        features.collection_items(PAGED_LAYER, limit=PAGE_SIZE, offset=PAGE_SIZE),
        features.collection_item("places", "100"),
    ]
    hrefs = [item["href"] for document in documents for item in document["links"]]
    elsewhere = [href for href in hrefs if not href.startswith(f"{oapif_url(stack)}")]

    assert hrefs
    assert not elsewhere, f"{len(elsewhere)} of {len(hrefs)} links, e.g. {elsewhere[:3]}"


@pytest.mark.smoke
def test_owslib_follows_the_service_desc_link_to_the_openapi_document(features: Features) -> None:
    # QGIS's OpenAPI document names each collection's path instead of a {collectionId} template.
    paths = features.api()["paths"]

    assert "/wfs3/collections/countries/items" in paths
    assert "/wfs3/collections/countries/items/{featureId}" in paths


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("/collections/no_such_layer", {}, 404, "no_such_layer"),
        ("/collections/no_such_layer/items", {}, 404, "no_such_layer"),
        ("/collections/places/items", {"limit": "-1"}, 400, "limit"),
        ("/collections/places/items", {"limit": "many"}, 400, "limit"),
        ("/collections/places/items", {"limit": "100000"}, 400, "limit"),
        ("/collections/places/items", {"offset": "99999"}, 400, "offset"),
        ("/collections/places/items", {"bbox": "1,2,3"}, 400, "bbox"),
        ("/collections/places/items", {"bbox": "a,b,c,d"}, 400, "bbox"),
    ],
)
def test_bad_input_is_a_4xx_that_names_the_problem(
    stack: StackHandle, path: str, params: dict[str, str], status: int, says: str
) -> None:
    response = oapif_get(stack, path, params)

    assert response.status_code == status, response.text[:300]
    assert says in response.json()[0]["description"]


@pytest.mark.smoke
def test_an_unknown_item_is_a_404(stack: StackHandle) -> None:
    # QGIS (3.22 to 3.44) answers 500 'Invalid feature [id]'; stack_guard turns it into a 404.
    response = oapif_get(stack, "/collections/places/items/999999")

    assert "999999" in response.json()[0]["description"]
    assert response.status_code == 404
