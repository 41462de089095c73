"""The name of the project a request is for, as nginx's /ows/<project> names it."""

from __future__ import annotations

import os
from functools import lru_cache

from qgis.core import QgsProject
from qgis.server import QgsServerInterface


def project_name(server_iface: QgsServerInterface) -> str:
    """The project file's name without extension; "" outside a request for a project."""
    path = server_iface.configFilePath() or QgsProject.instance().fileName()
    return _stem(path) if path else ""


# Asked at the end of every request (request log, metrics) for the same few paths.
@lru_cache(maxsize=256)
def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]
