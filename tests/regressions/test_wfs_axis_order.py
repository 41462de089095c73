"""Regression test of the reproduction case cases/wfs-axis-order.

Written by `python -m stack repro to-test cases/wfs-axis-order`
from the last `make repro` run on QGIS 3.22, 3.40, 3.44.

QGIS 3.22: WFS 1.1.0 GML without SRSNAME lists latitude first (the same request with
SRSNAME=EPSG:4326 lists longitude first), and GeoJSON ignores SRSNAME=EPSG:3857. 3.40 and 3.44
answer both right.

Edit the case, re-run `make repro CASE=cases/wfs-axis-order QGIS=all` and `to-test` to update it.
"""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion, known_bug
from stack.repro.regression import PreparedCase, hangs_on, known_bug_on, prepared_case

pytestmark = pytest.mark.docker

CASE = "cases/wfs-axis-order"
# request name → {QGIS version: what failed there}
FAILS = {
    "gml-default": {"3.22": "answer lacks 'srsDimension=\"2\">6.134 49.6<'"},
    "geojson-3857": {"3.22": "answer lacks '682833.7'"},
}
# request name → {QGIS version: why it was not answered}
HANGS = {}


@pytest.fixture(scope="module")
def case(stack_session: StackHandle) -> PreparedCase:
    return prepared_case(stack_session, CASE)


@pytest.mark.parametrize(
    "name", ["gml-epsg4326", "gml-default", "gml-urn", "geojson-3857", "getmap", "oapif-items", "describe"]
)
def test_wfs_axis_order(
    case: PreparedCase, name: str, request: pytest.FixtureRequest, qgis_version: QgisVersion | None
) -> None:
    hangs_on(qgis_version, HANGS.get(name, {}))
    if name in ["geojson-3857", "gml-default"]:
        known_bug(request, qgis_version, before=(3, 40), bug=FAILS[name][min(FAILS[name])])
    else:
        known_bug_on(request, qgis_version, FAILS.get(name, {}))
    outcome = case.send(name)

    assert not outcome.failure, outcome.line
