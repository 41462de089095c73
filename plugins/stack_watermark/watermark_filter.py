"""Marks WMS GetMap images; every other response passes untouched."""

from __future__ import annotations

from qgis.PyQt.QtGui import QImage
from qgis.server import QgsRequestHandler, QgsServerInterface
from stack_plugin_kit.headers import response_header, response_status
from stack_plugin_kit.safe_filter import GuardedFilter

from .marking import mark_encoded, qt_format


class WatermarkFilter(GuardedFilter):
    plugin_name = "stack_watermark"

    def __init__(self, server_iface: QgsServerInterface, stamp: QImage) -> None:
        super().__init__(server_iface)
        self.stamp = stamp

    def on_response_complete(self) -> None:
        handler = self.serverInterface().requestHandler()
        if handler is None or not is_successful_getmap(handler):
            return
        image_format = qt_format(response_header(handler, "Content-Type"))
        if image_format is None:  # PDF, SVG, WebP, DXF...: not ours to touch
            return
        marked = mark_encoded(bytes(handler.body()), image_format, self.stamp)
        if marked is not None:
            handler.clearBody()
            handler.appendBody(marked)  # QGIS sets Content-Length from the final body


def is_successful_getmap(handler: QgsRequestHandler) -> bool:
    return (
        (handler.parameter("SERVICE") or "").upper() == "WMS"
        and (handler.parameter("REQUEST") or "").upper() == "GETMAP"
        and not handler.exceptionRaised()
        and response_status(handler) == 200
        and not handler.headersSent()  # a streamed body cannot be replaced
    )
