"""Loads the chosen projects into QGIS's project cache when the worker starts.

Plugins are loaded before the worker accepts its first FastCGI request, so the worker joins
the pool with its projects in memory; the other workers keep serving meanwhile. This runs
before the mounted plugins start (the built-in folder comes first on the plugin path): a
project that needs a plugin's expression functions or providers to load should not be
preloaded. A project that does not load whole (a data source unreachable) is not kept, so
QGIS loads it again on first use, as it would have without preloading.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsConfigCache, QgsServerInterface, QgsServerSettings
from stack_plugin_kit.server_settings import server_settings

from .choice import PreloadChoiceError, projects_to_preload

TAG = "stack_preload"


def log(message: str, level: Qgis.MessageLevel = Qgis.Info) -> None:
    QgsMessageLog.logMessage(message, TAG, level)


class PreloadPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        setting = os.environ.get("QGIS_STACK_PRELOAD_PROJECTS", "")
        dirs = [Path(d) for d in os.environ.get("QGIS_STACK_PROJECT_DIRS", "").split(":") if d]
        try:
            paths, missing = projects_to_preload(setting, dirs)
        except PreloadChoiceError as error:
            log(f"QGIS_STACK_PRELOAD_PROJECTS: {error}; nothing preloaded", Qgis.Critical)
            return
        if missing:
            folders = ", ".join(str(d) for d in dirs)
            log(
                f"QGIS_STACK_PRELOAD_PROJECTS: no project named {', '.join(missing)} in {folders}",
                Qgis.Warning,
            )
        for path in paths:
            load(server_settings(), path)


def load(settings: QgsServerSettings, path: Path) -> None:
    cache = QgsConfigCache.instance()
    started = time.monotonic()
    try:
        project = cache.project(str(path), settings)
    except Exception as error:  # QGIS raises for invalid layers; never keep a worker from starting
        log(f"{path.name}: not preloaded ({error}); loaded on first use", Qgis.Warning)
        return
    if project is None:
        log(f"{path.name}: not preloaded (see QGIS's messages above); loaded on first use", Qgis.Warning)
        return
    if project.validCount() != project.count():
        # Kept with QGIS_SERVER_IGNORE_BAD_LAYERS=true: a source that is down while the worker
        # starts would stay missing until the file changes. Dropped, it is tried again on use.
        cache.removeEntry(str(path))
        log(f"{path.name}: not preloaded, some layers did not load; loaded on first use", Qgis.Warning)
        return
    log(f"{path.name}: preloaded in {(time.monotonic() - started) * 1000:.0f} ms")
