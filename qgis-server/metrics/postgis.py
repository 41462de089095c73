"""PostGIS reachability for qgis_stack_postgis_up: the plugins' probe (stack_plugin_kit),
found on QGIS_PLUGINPATH as QGIS finds it."""

from __future__ import annotations

import os
import sys
import time

sys.path[:0] = [path for path in os.environ.get("QGIS_PLUGINPATH", "").split(":") if path]

from stack_plugin_kit.postgis import select_one  # noqa: E402 (found through the path above)


def probe(service: str) -> tuple[bool, float]:
    """(answered, seconds taken); never raises, never waits much longer than the timeout."""
    if not service:
        return False, 0.0
    started = time.monotonic()
    try:
        return True, select_one(service, "qgis-stack-metrics")
    except Exception:
        return False, time.monotonic() - started
