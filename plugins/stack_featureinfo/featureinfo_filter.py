"""WMS GetFeatureInfo: a default FI_POINT_TOLERANCE, and layer titles in JSON answers."""

from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog, QgsProject
from qgis.server import QgsRequestHandler, QgsServerInterface
from stack_plugin_kit.headers import response_header, response_status
from stack_plugin_kit.safe_filter import GuardedStreamFilter

from .enrich import add_layer_titles
from .layer_titles import layer_titles

JSON_FORMATS = frozenset({"application/json", "application/geo+json"})


class FeatureInfoFilter(GuardedStreamFilter):
    plugin_name = "stack_featureinfo"

    def __init__(self, server_iface: QgsServerInterface, point_tolerance: int | None) -> None:
        super().__init__(server_iface)
        self._point_tolerance = point_tolerance
        # Chunks of the current JSON answer; None when this request is not one we rewrite.
        # A worker serves one request at a time, so one filter object can hold this.
        self._chunks: list[bytes] | None = None

    def on_request_ready(self) -> None:
        self._chunks = None  # a new request: drop whatever an aborted one left
        handler = self.serverInterface().requestHandler()
        if handler is None or not is_getfeatureinfo(handler):
            return
        # QGIS upper-cases parameter names, so a client's fi_point_tolerance counts too.
        if self._point_tolerance is not None and not handler.parameter("FI_POINT_TOLERANCE"):
            handler.setParameter("FI_POINT_TOLERANCE", str(self._point_tolerance))
        if media_type(handler.parameter("INFO_FORMAT") or "") in JSON_FORMATS:
            self._chunks = []

    def on_send_response(self) -> None:
        # A streamed answer: hold every chunk back (QGIS then flushes an empty body) so the
        # whole document can be rewritten once it is complete.
        if self._chunks is None:
            return
        handler = self.serverInterface().requestHandler()
        self._chunks.append(bytes(handler.body()))
        handler.clearBody()

    def on_response_complete(self) -> None:
        chunks, self._chunks = self._chunks, None
        if chunks is None:
            return
        handler = self.serverInterface().requestHandler()
        body = b"".join(chunks) + bytes(handler.body())
        # The held-back chunks go back first, so that nothing is lost whatever happens next.
        handler.clearBody()
        handler.appendBody(body)
        if handler.exceptionRaised() or response_status(handler) != 200:
            return
        if media_type(response_header(handler, "Content-Type")) not in JSON_FORMATS:
            return
        rewritten = add_layer_titles(body, layer_titles(QgsProject.instance()))
        if rewritten is None:
            QgsMessageLog.logMessage(
                "a JSON GetFeatureInfo answer was not a feature collection: left as it was",
                self.plugin_name,
                Qgis.Warning,
            )
            return
        handler.clearBody()
        handler.appendBody(rewritten)


def is_getfeatureinfo(handler: QgsRequestHandler) -> bool:
    return (handler.parameter("SERVICE") or "").upper() == "WMS" and (
        handler.parameter("REQUEST") or ""
    ).upper() == "GETFEATUREINFO"


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()
