"""A QgsServerFilter whose hooks never raise into QGIS Server.

Left alone, an exception in a Python hook reaches QGIS Server as a C++ exception: the
client gets a bare "500 Internal Server Error" text, the traceback is lost, and the
filters after the failing one are skipped for that request. Here the traceback goes to
the log and the client gets an OGC ServiceExceptionReport instead; the worker serves on.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsServerException, QgsServerFilter, QgsServerInterface

from stack_plugin_kit.headers import request_header

ERROR_CODE = "StackPluginError"


class GuardedFilter(QgsServerFilter):
    """Subclasses set plugin_name and override the on_* methods, never the QGIS hooks.

    A filter that must see a streamed answer before each flush subclasses
    GuardedStreamFilter instead: QGIS calls a Python filter's send hook at every flush of a
    WFS GetFeature (thousands per answer), so only filters that need it have one."""

    plugin_name = "stack plugin"
    # False for filters whose failure must not cost the client its answer (a log line).
    fail_request_on_error = True

    def __init__(self, server_iface: QgsServerInterface) -> None:
        super().__init__(server_iface)
        # Set once this filter has answered the current request with an exception report.
        # A streamed answer goes on being produced after that: its later pieces are dropped,
        # so that the client gets the report alone. Reset at both ends of a request, in case
        # another plugin's failure skipped one of them.
        self._reported = False
        if hasattr(self, "on_send_response") and not isinstance(self, GuardedStreamFilter):
            raise TypeError(
                f"{type(self).__name__} has on_send_response: subclass GuardedStreamFilter for it to run"
            )

    def on_request_ready(self) -> None:
        """Before the service runs: parameters can still be changed."""

    def on_response_complete(self) -> None:
        """After the service, before the response leaves: the body can be replaced."""

    # QGIS 3.24+ calls the on* hooks (the bool says: go on with the next filters); older
    # versions call the plain ones. Each version calls one of each pair, never both.

    def onRequestReady(self) -> bool:  # noqa: N802
        self.requestReady()
        return True

    def onResponseComplete(self) -> bool:  # noqa: N802
        self.responseComplete()
        return True

    def requestReady(self) -> None:  # noqa: N802
        self._reported = False
        self._guard(self.on_request_ready, "requestReady")

    def responseComplete(self) -> None:  # noqa: N802
        if self._reported:
            self._drop_body()
        else:
            self._guard(self.on_response_complete, "responseComplete")
        self._reported = False

    def _guard(self, hook: Callable[[], None], name: str) -> None:
        try:
            hook()
        except Exception:
            self._log(f"{name} failed:\n{traceback.format_exc()}")
            if not self.fail_request_on_error:
                return
            try:
                self._reported = self._replace_response_with_exception()
            except Exception:
                self._log(f"could not report the failure to the client:\n{traceback.format_exc()}")

    def _replace_response_with_exception(self) -> bool:
        """Answer with an OGC exception report; False when the response is already on its way."""
        handler = self.serverInterface().requestHandler()
        if handler is None:
            return False
        if handler.headersSent():
            self._log("part of the response was already sent: it goes on, without this filter")
            return False
        request_id = request_header(self.serverInterface(), "X-Request-Id")[:64]
        message = f"The server plugin {self.plugin_name} failed on this request"
        message += f" (request id {request_id})." if request_id else "."
        message += " The server log has the details."
        # setServiceException marks the request as failed, so QGIS runs no service after
        # requestReady; its body is QGIS's own <ServerException>, replaced by an OGC report.
        handler.setServiceException(QgsServerException(message, 500))
        handler.clear()
        handler.setStatusCode(500)
        handler.setResponseHeader("Content-Type", "text/xml; charset=utf-8")
        service = (handler.parameter("SERVICE") or "").upper()
        handler.appendBody(service_exception_report(message, "1.2.0" if service == "WFS" else "1.3.0"))
        return True

    def _drop_body(self) -> None:
        handler = self.serverInterface().requestHandler()
        if handler is not None and handler.headersSent():
            handler.clearBody()

    def _log(self, message: str) -> None:
        QgsMessageLog.logMessage(f"{self.plugin_name}: {message}", self.plugin_name, Qgis.Critical)


class GuardedStreamFilter(GuardedFilter):
    """A GuardedFilter that also runs on_send_response before each flush of a streamed
    answer (WFS GetFeature...); never for answers sent in one piece."""

    def on_send_response(self) -> None:
        """Before each flush: handler.body() holds the piece about to be sent."""

    # QGIS 3.24+ calls onSendResponse, older versions sendResponse (see GuardedFilter).

    def onSendResponse(self) -> bool:  # noqa: N802
        self.sendResponse()
        return True

    def sendResponse(self) -> None:  # noqa: N802
        if self._reported:
            self._drop_body()
        else:
            self._guard(self.on_send_response, "sendResponse")


def service_exception_report(message: str, version: str, code: str = ERROR_CODE) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ServiceExceptionReport xmlns="http://www.opengis.net/ogc" version={quoteattr(version)}>\n'
        f" <ServiceException code={quoteattr(ERROR_CODE)}>{escape(message)}</ServiceException>\n"
        "</ServiceExceptionReport>\n"
    ).encode()
