"""WFS GetFeature selections (BBOX, OGC Filter, QGIS's EXP_FILTER) match their SQL equivalents.

Each case is a request and the SELECT that must return the same ids. Responses carry ids
only (PROPERTYNAME=id).
"""

import psycopg
import pytest
from owslib.fes import (
    And,
    BBox,
    Or,
    PropertyIsBetween,
    PropertyIsEqualTo,
    PropertyIsGreaterThan,
    PropertyIsLike,
    PropertyIsNull,
)
from owslib.wfs import WebFeatureService

from stack.harness.crosscheck import sql_ids
from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get, service_exception
from stack.harness.wfs import geojson_ids, getfeature_geojson, ogc_filter, served_ids

LUXEMBOURG = (5.5, 49.3, 6.6, 50.3)  # west, south, east, north
EUROPE = (0.0, 40.0, 20.0, 50.0)
EUROPE_WKT = "POLYGON((0 40, 20 40, 20 50, 0 50, 0 40))"
EAST_ASIA = (100.0, 0.0, 150.0, 50.0)


def envelope(box: tuple[float, float, float, float]) -> str:
    return "ST_MakeEnvelope({}, {}, {}, {}, 4326)".format(*box)


@pytest.mark.postgis
@pytest.mark.parametrize(
    ("layer", "box"),
    [("places", LUXEMBOURG), ("countries", EUROPE), ("rivers", EUROPE)],
)
def test_bbox_selects_the_features_that_intersect_it(
    wfs: WebFeatureService, pg: psycopg.Connection, layer: str, box: tuple[float, float, float, float]
) -> None:
    served = geojson_ids(getfeature_geojson(wfs, layer, bbox=box, propertyname=["id"]))

    assert served, "an empty selection proves nothing"
    assert set(served) == sql_ids(
        pg, f"SELECT id FROM demo.{layer} WHERE ST_Intersects(geom, {envelope(box)})"
    )


@pytest.mark.postgis
def test_bbox_is_an_exact_intersection_not_an_envelope_overlap(
    wfs: WebFeatureService, pg: psycopg.Connection
) -> None:
    served = set(geojson_ids(getfeature_geojson(wfs, "countries", bbox=EUROPE, propertyname=["id"])))
    overlapping_envelopes = sql_ids(pg, f"SELECT id FROM demo.countries WHERE geom && {envelope(EUROPE)}")

    # Countries whose envelope overlaps the box but whose outline does not: QGIS leaves them out.
    assert overlapping_envelopes - served, "the case no longer tells the two apart"
    assert served < overlapping_envelopes


@pytest.mark.postgis
@pytest.mark.parametrize(
    ("layer", "constraint", "where"),
    [
        pytest.param("places", PropertyIsEqualTo("iso_a2", "LU"), "iso_a2 = 'LU'", id="equal"),
        pytest.param("places", PropertyIsLike("name", "San *", wildCard="*"), "name LIKE 'San %'", id="like"),
        pytest.param(
            "places",
            PropertyIsLike("name", "S_o *", wildCard="*", singleChar="_"),
            "name LIKE 'S_o %'",
            id="like-single-char",
        ),
        pytest.param(
            "places",
            PropertyIsLike("name", "san *", wildCard="*", matchCase=False),
            "name ILIKE 'san %'",
            id="like-any-case",
        ),
        pytest.param("rivers", PropertyIsNull("name"), "name IS NULL", id="null"),
        pytest.param(
            "places",
            PropertyIsBetween("pop_max", 1000000, 2000000),
            "pop_max BETWEEN 1000000 AND 2000000",
            id="between",
        ),
        pytest.param(
            "places",
            And([PropertyIsGreaterThan("pop_max", "10000000"), PropertyIsEqualTo("adm0cap", "1")]),
            "pop_max > 10000000 AND adm0cap = 1",
            id="and",
        ),
        pytest.param(
            "places",
            Or([PropertyIsEqualTo("iso_a2", "LU"), PropertyIsEqualTo("iso_a2", "BE")]),
            "iso_a2 IN ('LU', 'BE')",
            id="or",
        ),
        pytest.param(
            "countries",
            BBox(list(EUROPE), crs="EPSG:4326"),
            f"ST_Intersects(geom, {envelope(EUROPE)})",
            id="bbox",
        ),
    ],
)
def test_ogc_filter_selects_what_sql_selects(
    wfs: WebFeatureService, pg: psycopg.Connection, layer: str, constraint: object, where: str
) -> None:
    served = geojson_ids(getfeature_geojson(wfs, layer, filter=ogc_filter(constraint), propertyname=["id"]))

    assert served, "an empty selection proves nothing"
    assert len(served) == len(set(served))
    assert set(served) == sql_ids(pg, f"SELECT id FROM demo.{layer} WHERE {where}")


@pytest.mark.postgis
@pytest.mark.parametrize(
    ("params", "where"),
    [
        pytest.param(
            {"TYPENAME": "places", "EXP_FILTER": '"pop_max" > 10000000 AND "adm0cap" = 1'},
            "pop_max > 10000000 AND adm0cap = 1",
            id="comparison",
        ),
        pytest.param(
            {"TYPENAME": "places", "EXP_FILTER": "\"name\" ILIKE 'san %'"},
            "name ILIKE 'san %'",
            id="ilike",
        ),
        pytest.param(
            {"TYPENAME": "places", "EXP_FILTER": "left(\"name\", 3) = 'Ban' AND \"iso_a2\" IN ('TH', 'CF')"},
            "left(name, 3) = 'Ban' AND iso_a2 IN ('TH', 'CF')",
            id="function",
        ),
        pytest.param(
            {
                "TYPENAME": "countries",
                "EXP_FILTER": f"intersects($geometry, geom_from_wkt('{EUROPE_WKT}'))",
            },
            f"ST_Intersects(geom, {envelope(EUROPE)})",
            id="geometry",
        ),
        pytest.param(
            # EXP_FILTER and BBOX together: both must hold.
            {"TYPENAME": "places", "EXP_FILTER": '"pop_max" > 10000000', "BBOX": "100,0,150,50,EPSG:4326"},
            f"pop_max > 10000000 AND ST_Intersects(geom, {envelope(EAST_ASIA)})",
            id="with-bbox",
        ),
    ],
)
def test_exp_filter_selects_what_sql_selects(
    stack: StackHandle, pg: psycopg.Connection, params: dict[str, str], where: str
) -> None:
    served = served_ids(stack, params)

    assert served, "an empty selection proves nothing"
    assert set(served) == sql_ids(pg, f"SELECT id FROM demo.{params['TYPENAME']} WHERE {where}")


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("selection", "named"),
    [
        ({"EXP_FILTER": '"pop_max" >>> 1'}, "EXP_FILTER"),
        ({"FILTER": "<ogc:Filter><ogc:PropertyIsEqualTo>"}, "XML"),
    ],
)
def test_a_malformed_filter_is_a_service_exception(
    stack: StackHandle, selection: dict[str, str], named: str
) -> None:
    params = {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "GetFeature", "TYPENAME": "places"}
    response = ows_get(stack, {**params, **selection})
    exception = service_exception(response.content)

    assert response.status_code == 400, response.text[:300]
    assert exception is not None and exception.code == "RequestNotWellFormed", response.text[:300]
    assert named in exception.text


@pytest.mark.smoke
@pytest.mark.parametrize(
    "selection",
    [
        {"EXP_FILTER": '"no_such_field" > 1'},
        {"FILTER": ogc_filter(PropertyIsEqualTo("no_such_field", "1"))},
    ],
    ids=["exp-filter", "ogc-filter"],
)
def test_a_filter_on_an_unknown_field_matches_nothing_instead_of_failing(
    stack: StackHandle, selection: dict[str, str]
) -> None:
    # QGIS 3.40 quirk: a misspelt field is NULL, not an error, so a typo looks like "no data".
    assert served_ids(stack, {"TYPENAME": "places", **selection}) == []
