"""The server settings as QGIS reads them from the environment, for a plugin's own
QgsConfigCache lookups: a project that a plugin is first to load is cached with the read
flags QGIS itself would have used (bad layers, trusted metadata, GetPrint off).
QgsServerInterface.serverSettings() is not in QGIS's Python API."""

from __future__ import annotations

from functools import cache

from qgis.server import QgsServerSettings


@cache
def server_settings() -> QgsServerSettings:
    settings = QgsServerSettings()
    settings.load()
    return settings
