"""Loads the chosen projects into QGIS's project cache when the worker starts.

Plugins are loaded before the worker accepts its first FastCGI request, so the worker joins
the pool with its projects in memory; the other workers keep serving meanwhile. A project
that fails to load (a layer's source is unreachable) is logged and left to QGIS's usual
load on first use: QGIS does not keep a project with bad layers, so nothing stale stays.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsConfigCache, QgsServerInterface, QgsServerSettings

from .choice import PreloadChoiceError, projects_to_preload

TAG = "stack_preload"


def log(message: str, level: Qgis.MessageLevel = Qgis.Info) -> None:
    QgsMessageLog.logMessage(message, TAG, level)


class PreloadPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        setting = os.environ.get("QGIS_STACK_PRELOAD_PROJECTS", "")
        dirs = [Path(d) for d in os.environ.get("QGIS_STACK_PROJECT_DIRS", "").split(":") if d]
        try:
            paths = projects_to_preload(setting, dirs)
        except PreloadChoiceError as error:
            log(f"QGIS_STACK_PRELOAD_PROJECTS: {error}; nothing preloaded", Qgis.Critical)
            return
        # The settings QGIS reads from the environment (bad layers, trusted metadata, GetPrint
        # off): the project is cached with the read flags a request would have used.
        settings = QgsServerSettings()
        settings.load()
        for path in paths:
            self._load(settings, path)

    @staticmethod
    def _load(settings: QgsServerSettings, path: Path) -> None:
        started = time.monotonic()
        try:
            project = QgsConfigCache.instance().project(str(path), settings)
        except Exception as error:  # never keep a worker from starting
            log(f"{path.name}: not preloaded: {error}", Qgis.Warning)
            return
        ms = (time.monotonic() - started) * 1000
        if project is None:
            log(f"{path.name}: not preloaded (see QGIS's messages above); loaded on first use", Qgis.Warning)
        else:
            log(f"{path.name}: preloaded in {ms:.0f} ms")
