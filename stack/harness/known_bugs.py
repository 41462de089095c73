"""QGIS behaviour that differs by version: a test states the bug and the versions that have it.

The test still runs there, as a strict expected failure: it reports the bug as known
instead of failing, and fails loudly the day that QGIS version behaves (so the note goes).
"""

from __future__ import annotations

import re

import pytest
import requests

from stack.harness.handle import TIMEOUT_S

QgisVersion = tuple[int, int, int]


def parse_server_header(header: str) -> QgisVersion | None:
    """'QGIS FCGI server - QGIS version 3.40.6-Bratislava' → (3, 40, 6)."""
    found = re.search(r"QGIS version (\d+)\.(\d+)\.(\d+)", header)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def served_version(ows_url: str) -> QgisVersion | None:
    """The QGIS version behind an OWS URL, from the Server header QGIS sets on every answer."""
    response = requests.get(
        ows_url, params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"}, timeout=TIMEOUT_S
    )
    return parse_server_header(response.headers.get("Server", ""))


def known_bug(
    request: pytest.FixtureRequest, version: QgisVersion | None, *, before: tuple[int, int], bug: str
) -> None:
    """Mark the running test a strict expected failure on QGIS versions before `before`."""
    if version is None or version[:2] >= before:
        return
    shown = ".".join(map(str, version))
    request.applymarker(pytest.mark.xfail(reason=f"QGIS {shown}: {bug}", strict=True))
