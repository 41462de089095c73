"""WFS 1.1.0 through nginx, cross-checked against PostGIS."""

import json

import psycopg
import pytest
from owslib.wfs import WebFeatureService

from stack.postgis import count_rows
from tests.demo import VECTOR_LAYERS


@pytest.mark.smoke
def test_capabilities_offer_every_demo_vector_layer(wfs: WebFeatureService) -> None:
    assert set(VECTOR_LAYERS) <= set(wfs.contents)


@pytest.mark.postgis
@pytest.mark.parametrize("layer", sorted(VECTOR_LAYERS))
def test_getfeature_returns_exactly_the_rows_postgis_holds(
    wfs: WebFeatureService, pg: psycopg.Connection, layer: str
) -> None:
    # One typename per request: OWSLib sends one PROPERTYNAME for all, which QGIS refuses.
    response = wfs.getfeature(typename=[layer], outputFormat="application/json")
    served = json.loads(response.read())["features"]

    assert len(served) == count_rows(pg, VECTOR_LAYERS[layer])
    ids = {int(str(feature["id"]).rpartition(".")[2]) for feature in served}
    assert len(ids) == len(served), "a feature was served twice"
