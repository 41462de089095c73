"""Regression test of the reproduction case cases/wfst-unknown-property.

Written by `python -m stack repro to-test cases/wfst-unknown-property`
from the last `make repro` run on QGIS 3.22, 3.40, 3.44.

WFS-T Insert naming an unknown property: a worker that never answers on 3.22 and 3.40; on 3.44
the feature is inserted and the property silently dropped.

Edit the case, re-run `make repro CASE=cases/wfst-unknown-property QGIS=all` and `to-test` to update it.
"""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion
from stack.repro.regression import PreparedCase, hangs_on, known_bug_on, prepared_case

pytestmark = pytest.mark.docker

CASE = "cases/wfst-unknown-property"
# request name → {QGIS version: what failed there}
FAILS = {
    "insert-unknown-property": {"3.44": "HTTP 200, expected 400"},
    "hits-after": {"3.44": "answer lacks 'numberOfFeatures=\"3\"'"},
}
# request name → {QGIS version: why it was not answered}
HANGS = {"insert-unknown-property": {"3.22": "HTTP 504, expected 400", "3.40": "HTTP 504, expected 400"}}


@pytest.fixture(scope="module")
def case(stack_session: StackHandle) -> PreparedCase:
    return prepared_case(stack_session, CASE)


@pytest.mark.parametrize("name", ["hits-before", "insert-unknown-property", "hits-after"])
def test_wfst_unknown_property(
    case: PreparedCase, name: str, request: pytest.FixtureRequest, qgis_version: QgisVersion | None
) -> None:
    hangs_on(qgis_version, HANGS.get(name, {}))
    known_bug_on(request, qgis_version, FAILS.get(name, {}))
    outcome = case.send(name)

    assert not outcome.failure, outcome.line
