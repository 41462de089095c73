"""What STACKINFO reports: plain data, no QGIS Server objects, so it is testable alone."""

from __future__ import annotations

import configparser
import os
import re
import socket
import time
from pathlib import Path

WORKER_STARTED = time.monotonic()
# Where nginx looks for /ows/<project>, first match wins (nginx/nginx.conf.template).
PROJECT_DIRS = ("/srv/qgis/projects", "/srv/qgis/demo")
# The project names nginx routes: anything else in those folders cannot be requested.
PROJECT_NAME = re.compile(r"[A-Za-z0-9_-]+")


def is_server_plugin(folder: Path) -> bool:
    """What QGIS Server tries to load: a package whose metadata.txt says server=True.
    (Folders without metadata.txt, such as stack_plugin_kit, are libraries.)"""
    metadata = configparser.ConfigParser(interpolation=None)
    try:
        metadata.read(folder / "metadata.txt", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return (folder / "metadata.txt").is_file()  # unreadable metadata: QGIS will fail it
    server = metadata.get("general", "server", fallback="false").strip().lower()
    return (folder / "__init__.py").is_file() and server in ("true", "1", "yes")


def plugins_found(plugin_path: str) -> list[str]:
    """Server plugins in every directory of QGIS_PLUGINPATH."""
    found: set[str] = set()
    for directory in filter(None, plugin_path.split(os.pathsep)):
        root = Path(directory)
        if root.is_dir():
            found.update(p.name for p in root.iterdir() if p.is_dir() and is_server_plugin(p))
    return sorted(found)


def projects_served(directories: tuple[str, ...] = PROJECT_DIRS) -> dict[str, str]:
    """Project name → .qgs file, as nginx resolves /ows/<name>: the first directory wins."""
    served: dict[str, str] = {}
    for directory in directories:
        root = Path(directory)
        if not root.is_dir():
            continue
        for project in sorted(root.glob("*.qgs")):
            if PROJECT_NAME.fullmatch(project.stem) and project.is_file():
                served.setdefault(project.stem, str(project))
    return dict(sorted(served.items()))


def build_report(
    qgis_version: str,
    plugin_path: str,
    active: list[str],
    projects: dict[str, str] | None = None,
    postgis: dict[str, object] | None = None,
) -> dict:
    """healthy = this worker serves and loaded every plugin it found. PostGIS is reported
    but does not count: a worker without its database still answers (health checks,
    file-based layers) and restarting it would not bring the database back."""
    found = plugins_found(plugin_path)
    failed = sorted(set(found) - set(active))
    return {
        "service": "STACKINFO",
        "healthy": not failed,
        "qgis_version": qgis_version,
        "plugins": {"found": found, "loaded": sorted(active), "failed": failed},
        "projects": projects if projects is not None else {},
        "postgis": postgis if postgis is not None else {"checked": False},
        # host: the container's hostname; on a swarm it names node and replica (stack.yml).
        "worker": {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "uptime_s": round(time.monotonic() - WORKER_STARTED, 3),
        },
    }
