"""From a case and its last `make repro` run to tests/regressions/test_<case>.py.

The versions that failed in the last run become known bugs of the test (strict expected
failures that name what failed); a request that got no answer at all on a version is
not sent there (it would hold a worker for the rest of the suite).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from stack.core.versions import RELEASES
from stack.repro.case import CaseError, load_case
from stack.repro.replay import read_outcomes
from stack.repro.requests_file import read_requests
from stack.repro.run import REPORTS

TEMPLATE = '''"""Regression test of the reproduction case {folder}.

Written by `python -m stack repro to-test {folder}`
from the last `make repro` run{runs}.

{description}

Edit the case, re-run `make repro CASE={folder} QGIS=all` and `to-test` to update it.
"""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.known_bugs import {known_imports}
from stack.repro.regression import PreparedCase, hangs_on, known_bug_on, prepared_case

pytestmark = pytest.mark.docker

CASE = "{folder}"
# request name → {{QGIS version: what failed there}}
FAILS = {fails}
# request name → {{QGIS version: why it was not answered}}
HANGS = {hangs}


@pytest.fixture(scope="module")
def case(stack_session: StackHandle) -> PreparedCase:
    return prepared_case(stack_session, CASE)


@pytest.mark.parametrize("name", {names})
def test_{function}(
    case: PreparedCase, name: str, request: pytest.FixtureRequest, qgis_version: QgisVersion | None
) -> None:
    hangs_on(qgis_version, HANGS.get(name, {{}}))
{known}
    outcome = case.send(name)

    assert not outcome.failure, outcome.line
'''

KNOWN_BEFORE = """    if name in {names}:
        known_bug(request, qgis_version, before={before}, bug=FAILS[name][min(FAILS[name])])
    else:
        known_bug_on(request, qgis_version, FAILS.get(name, {{}}))"""
KNOWN_SET = "    known_bug_on(request, qgis_version, FAILS.get(name, {}))"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def before_threshold(failing: set[str], tested: list[str]) -> tuple[int, int] | None:
    """(3, 40) when exactly the tested versions older than 3.40 fail: known_bug's own form."""
    ordered = sorted(tested, key=version_key)
    for index, version in enumerate(ordered):
        if index and failing == set(ordered[:index]):
            major, minor = version_key(version)[:2]
            return (major, minor)
    return None


def write_test(folder: Path, root: Path) -> Path:
    case = load_case(folder)
    names = [r.name for r in read_requests(case.requests_file)]
    if len(set(names)) != len(names):
        raise CaseError(f"{case.requests_file}: request names repeat; give each a name= for its test")
    reports = root / REPORTS / case.name
    tested = [v for v in RELEASES if (reports / v / "results.json").is_file()]
    if not tested:
        raise CaseError(f"{case.name}: no run to learn from; run `make repro CASE={folder} QGIS=all` first")
    fails: dict[str, dict[str, str]] = {}
    hangs: dict[str, dict[str, str]] = {}
    for version in tested:
        for outcome in read_outcomes(reports / version):
            if not outcome.failure:
                continue
            into = hangs if outcome.status in (0, 502, 504) else fails
            into.setdefault(outcome.name, {})[version] = outcome.failure
    before_names = sorted(n for n, v in fails.items() if before_threshold(set(v), tested))
    thresholds = {before_threshold(set(fails[n]), tested) for n in before_names}
    if before_names and len(thresholds) == 1:
        known = KNOWN_BEFORE.format(names=before_names, before=thresholds.pop())
    else:
        known = KNOWN_SET
    try:
        relative = case.folder.relative_to(root)
    except ValueError:
        relative = case.folder
    function = re.sub(r"\W", "_", case.name).lower()
    text = TEMPLATE.format(
        folder=relative.as_posix(),
        runs=" on QGIS " + ", ".join(tested),
        description=textwrap.fill(case.description or case.name, width=96),
        known_imports="QgisVersion, known_bug" if known != KNOWN_SET else "QgisVersion",
        fails=repr(fails),
        hangs=repr(hangs),
        names=repr(names),
        function=function,
        known=known,
    )
    target = root / "tests" / "regressions" / f"test_{function}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    (target.parent / "__init__.py").touch()
    target.write_text(text)
    tidy(target)
    return target


def tidy(path: Path) -> None:
    """Format the module as the project's lint wants it (ruff, when installed)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if Path(ruff).exists():
        subprocess.run([ruff, "format", "--quiet", str(path)], check=False)
