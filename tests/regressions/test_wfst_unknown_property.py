"""Regression test of the reproduction case cases/wfst-unknown-property.

Written by `python -m stack repro to-test cases/wfst-unknown-property`
from the last `make repro` run on QGIS 3.22, 3.40, 3.44.

WFS-T Insert naming an unknown property: the stack (stack_guard) answers 400 on every version;
QGIS alone never answers on 3.22 and 3.40, and on 3.44 inserts the feature with the property
silently dropped.

Edit the case, re-run `make repro CASE=cases/wfst-unknown-property QGIS=all` and `to-test` to update it.
"""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion
from stack.repro.regression import PreparedCase, hangs_on, known_bug_on, prepared_case

pytestmark = pytest.mark.docker

CASE = "cases/wfst-unknown-property"
# request name → {QGIS version: what failed there}
FAILS = {"qgis-insert-unknown-property": {"3.44": "HTTP 200, expected 400"}}
# request name → {QGIS version: why it was not answered}
HANGS = {
    "qgis-insert-unknown-property": {
        "3.22": "QGIS gave no answer within 20 s (killed)",
        "3.40": "QGIS gave no answer within 20 s (killed)",
    }
}


@pytest.fixture(scope="module")
def case(stack_session: StackHandle) -> PreparedCase:
    return prepared_case(stack_session, CASE)


@pytest.mark.parametrize(
    "name", ["hits-before", "insert-unknown-property", "hits-after", "qgis-insert-unknown-property"]
)
def test_wfst_unknown_property(
    case: PreparedCase, name: str, request: pytest.FixtureRequest, qgis_version: QgisVersion | None
) -> None:
    hangs_on(qgis_version, HANGS.get(name, {}))
    known_bug_on(request, qgis_version, FAILS.get(name, {}))
    outcome = case.send(name)

    assert not outcome.failure, outcome.line
