"""Registers the GetFeatureInfo filter, configured from the environment at worker start."""

from __future__ import annotations

import os

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsServerInterface

from .featureinfo_filter import FeatureInfoFilter

LOG_TAG = "stack_featureinfo"
DEFAULT_POINT_TOLERANCE = 8  # pixels: a click on a 3-pixel symbol still finds it
# Filters run in ascending priority: after the request log's opening filter (-900),
# before stack_watermark (200) and the request log's closing filter (1000).
PRIORITY = 100


def point_tolerance(value: str | None) -> int | None:
    """STACK_FI_POINT_TOLERANCE: pixels; unset or empty = the default; 0 = inject nothing."""
    if value is None or not value.strip():
        return DEFAULT_POINT_TOLERANCE
    try:
        pixels = int(value)
    except ValueError:
        pixels = -1
    if not 0 <= pixels <= 100:
        QgsMessageLog.logMessage(
            f"STACK_FI_POINT_TOLERANCE={value!r} is not a whole number of pixels from 0 to 100:"
            " no default tolerance",
            LOG_TAG,
            Qgis.Critical,
        )
        return None
    return pixels or None


class FeatureInfoPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        # Read once: FastCGI replaces the worker's environment with each request's parameters.
        tolerance = point_tolerance(os.environ.get("STACK_FI_POINT_TOLERANCE"))
        # QGIS keeps no Python reference to the filter: hold it here or it is collected.
        self.filter = FeatureInfoFilter(server_iface, tolerance)
        server_iface.registerFilter(self.filter, PRIORITY)
