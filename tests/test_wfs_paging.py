"""WFS paging (MAXFEATURES + STARTINDEX) serves every feature of a layer exactly once.

rivers (1,454 rows) in pages of 400: three full pages and a short one. QGIS has no default
sort order: it pages through the order PostgreSQL returns rows in (not id order), so the
pages are checked against one unpaged request as well as against PostGIS.
"""

import psycopg
import pytest
from owslib.wfs import WebFeatureService

from stack.harness.crosscheck import all_ids
from stack.harness.handle import StackHandle
from stack.harness.ows import wfs_client
from stack.harness.postgis import count_rows
from stack.harness.wfs import geojson_ids, getfeature_geojson

LAYER = "rivers"
TABLE = "demo.rivers"
PAGE_SIZE = 400
VERSIONS = ["1.1.0", "1.0.0"]


@pytest.fixture(scope="module", params=VERSIONS)
def client(request: pytest.FixtureRequest, stack: StackHandle) -> WebFeatureService:
    return wfs_client(stack, request.param)


def page(client: WebFeatureService, start: int) -> list[int]:
    return geojson_ids(
        getfeature_geojson(client, LAYER, propertyname=["id"], maxfeatures=PAGE_SIZE, startindex=start)
    )


@pytest.mark.postgis
def test_pages_cover_every_feature_exactly_once(client: WebFeatureService, pg: psycopg.Connection) -> None:
    total = count_rows(pg, TABLE)
    starts = range(0, total, PAGE_SIZE)
    pages = [page(client, start) for start in starts]
    paged = [row_id for ids in pages for row_id in ids]

    assert len(pages) >= 3, "too few pages to test paging"
    assert [len(ids) for ids in pages] == [min(PAGE_SIZE, total - start) for start in starts]
    assert len(set(paged)) == len(paged), "a feature is on two pages"
    assert set(paged) == all_ids(pg, TABLE)


@pytest.mark.smoke
def test_pages_are_consecutive_slices_of_the_unpaged_response(client: WebFeatureService) -> None:
    unpaged = geojson_ids(getfeature_geojson(client, LAYER, propertyname=["id"]))

    assert page(client, PAGE_SIZE) == unpaged[PAGE_SIZE : 2 * PAGE_SIZE]
    assert page(client, len(unpaged) - 10) == unpaged[-10:]


@pytest.mark.smoke
def test_a_page_past_the_end_is_empty(client: WebFeatureService) -> None:
    total = len(geojson_ids(getfeature_geojson(client, LAYER, propertyname=["id"])))

    assert page(client, total) == []
