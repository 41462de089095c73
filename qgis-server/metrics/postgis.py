"""PostGIS reachability for qgis_stack_postgis_up: the plugins' probe (stack_plugin_kit),
from the image's built-in plugin folder."""

from __future__ import annotations

import os
import sys
import time

sys.path.append(os.environ["QGIS_STACK_BUILTIN_PLUGINS"])  # the image sets it

from stack_plugin_kit.postgis import select_one  # found through the path above


def probe(service: str) -> tuple[bool, float]:
    """(answered, seconds taken); never raises, never waits much longer than the timeout."""
    if not service:
        return False, 0.0
    started = time.monotonic()
    try:
        return True, select_one(service, "qgis-stack-metrics")
    except Exception:
        return False, time.monotonic() - started
