"""Regression test of the reproduction case cases/oapif-items.

Written by `python -m stack repro to-test cases/oapif-items`
from the last `make repro` run on QGIS 3.22, 3.40, 3.44.

OGC API Features and WMS 1.1.1 edge cases: unknown item ids, unknown layers, the collections'
links.

Edit the case, re-run `make repro CASE=cases/oapif-items QGIS=all` and `to-test` to update it.
"""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion, known_bug
from stack.repro.regression import PreparedCase, hangs_on, known_bug_on, prepared_case

pytestmark = pytest.mark.docker

CASE = "cases/oapif-items"
# request name → {QGIS version: what failed there}
FAILS = {
    # item-unknown: QGIS answers 500; stack_guard corrects it to 404 on every version.
    "wms111-unknown-layer": {
        "3.22": "Content-Type text/xml; charset=utf-8, expected application/vnd.ogc.se_xml",
        "3.40": "Content-Type text/xml; charset=utf-8, expected application/vnd.ogc.se_xml",
        "3.44": "Content-Type text/xml; charset=utf-8, expected application/vnd.ogc.se_xml",
    },
    "wms111-capabilities": {"3.22": "answer holds '<SRS>CRS:84</SRS>'"},
}
# request name → {QGIS version: why it was not answered}
HANGS = {}


@pytest.fixture(scope="module")
def case(stack_session: StackHandle) -> PreparedCase:
    return prepared_case(stack_session, CASE)


@pytest.mark.parametrize(
    "name",
    [
        "collections",
        "item-1",
        "item-unknown",
        "wms111-unknown-layer",
        "wms111-capabilities",
        "getmap",
        "legend",
    ],
)
def test_oapif_items(
    case: PreparedCase, name: str, request: pytest.FixtureRequest, qgis_version: QgisVersion | None
) -> None:
    hangs_on(qgis_version, HANGS.get(name, {}))
    if name in ["wms111-capabilities"]:
        known_bug(request, qgis_version, before=(3, 40), bug=FAILS[name][min(FAILS[name])])
    else:
        known_bug_on(request, qgis_version, FAILS.get(name, {}))
    outcome = case.send(name)

    assert not outcome.failure, outcome.line
