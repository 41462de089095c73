"""Registers the watermark filter when a mark is configured (env, read at worker start)."""

from __future__ import annotations

import os
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtGui import QImage
from qgis.server import QgsServerInterface

from .stamp import image_stamp, text_stamp
from .watermark_filter import WatermarkFilter

LOG_TAG = "stack_watermark"
# Filters run in ascending priority: after stack_featureinfo (100), before the request
# log's closing filter (1000), which then times the marking too.
PRIORITY = 200


def configured_stamp(text: str, image_path: str) -> QImage | None:
    """The image when STACK_WATERMARK_IMAGE is set and readable, else the text, else None."""
    if image_path:
        stamp = image_stamp(Path(image_path))
        if stamp is not None:
            return stamp
        QgsMessageLog.logMessage(
            f"STACK_WATERMARK_IMAGE={image_path} is not a readable image"
            + (": using STACK_WATERMARK_TEXT instead" if text else ": maps are not marked"),
            LOG_TAG,
            Qgis.Critical,
        )
    return text_stamp(text) if text else None


class WatermarkPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        # Read once: FastCGI replaces the worker's environment with each request's parameters.
        stamp = configured_stamp(
            os.environ.get("STACK_WATERMARK_TEXT", "").strip(),
            os.environ.get("STACK_WATERMARK_IMAGE", "").strip(),
        )
        self.filter: WatermarkFilter | None = None
        if stamp is None:
            QgsMessageLog.logMessage("no STACK_WATERMARK_TEXT nor _IMAGE: off", LOG_TAG, Qgis.Info)
            return
        # QGIS keeps no Python reference to the filter: hold it here or it is collected.
        self.filter = WatermarkFilter(server_iface, stamp)
        server_iface.registerFilter(self.filter, PRIORITY)
