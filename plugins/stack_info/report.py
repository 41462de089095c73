"""What STACKINFO reports: plain data, no QGIS Server objects, so it is testable alone."""

from __future__ import annotations

import os
import time
from pathlib import Path

WORKER_STARTED = time.monotonic()


def plugins_found(plugin_path: str) -> list[str]:
    """Plugin folders (with an __init__.py) in every directory of QGIS_PLUGINPATH."""
    found: set[str] = set()
    for directory in filter(None, plugin_path.split(os.pathsep)):
        root = Path(directory)
        if root.is_dir():
            found.update(p.name for p in root.iterdir() if (p / "__init__.py").is_file())
    return sorted(found)


def build_report(qgis_version: str, plugin_path: str, active: list[str]) -> dict:
    found = plugins_found(plugin_path)
    failed = sorted(set(found) - set(active))
    return {
        "service": "STACKINFO",
        "healthy": not failed,
        "qgis_version": qgis_version,
        "plugins": {"found": found, "loaded": sorted(active), "failed": failed},
        "worker": {"pid": os.getpid(), "uptime_s": round(time.monotonic() - WORKER_STARTED, 3)},
    }
