"""QGIS behaviour that differs by version: a test states the bug and the versions that have it.

The test still runs there, as a strict expected failure: it reports the bug as known
instead of failing, and fails loudly the day that QGIS version behaves (so the note goes).
"""

from __future__ import annotations

import pytest

# The version comes from stack.harness.stack_info (not from a response header: clients
# are not told the exact QGIS version).
QgisVersion = tuple[int, int, int]


def known_bug(
    request: pytest.FixtureRequest, version: QgisVersion | None, *, before: tuple[int, int], bug: str
) -> None:
    """Mark the running test a strict expected failure on QGIS versions before `before`."""
    if version is None or version[:2] >= before:
        return
    shown = ".".join(map(str, version))
    request.applymarker(pytest.mark.xfail(reason=f"QGIS {shown}: {bug}", strict=True))
