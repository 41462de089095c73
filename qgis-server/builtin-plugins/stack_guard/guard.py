"""The filters: refuse before QGIS picks a project or a data source; mark workers busy.

When a filter raises in requestReady, QGIS logs it and carries on with the request — with
the client's MAP. So the guard fails closed: if checking fails, the request is refused.
"""

import os
from pathlib import Path
from xml.sax.saxutils import escape

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QByteArray
from qgis.server import QgsServerException, QgsServerFilter, QgsServerInterface

from .busy_marker import BusyMarker
from .metrics_events import MetricsEvents, metrics_address
from .rules import refused_parameter

# Lowest value runs first: refuse before any other plugin sees the request.
PRIORITY = -1000
METRICS_PRIORITY = 2000  # after the request log (1000): the last filter to see a response


class OgcRefusal(QgsServerException):
    """An OGC exception report. setServiceException() accepts only QgsServerException,
    whose own body is QGIS's <ServerException>: format it the OGC way instead."""

    def __init__(self, code: str, message: str, locator: str, status: int) -> None:
        super().__init__(message, status)
        self.report = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc">\n'
            f' <ServiceException code="{escape(code)}" locator="{escape(locator)}">'
            f"{escape(message)}</ServiceException>\n"
            "</ServiceExceptionReport>\n"
        )

    def formatResponse(self):  # noqa: N802 (QGIS virtual)
        return QByteArray(self.report.encode()), "text/xml; charset=utf-8"


class ClientChosenSourceFilter(QgsServerFilter):
    def requestReady(self) -> None:  # noqa: N802
        handler = self.serverInterface().requestHandler()
        try:
            refused = refused_parameter(handler.parameterMap())
        except Exception as error:  # fail closed
            QgsMessageLog.logMessage(f"cannot check the request: {error!r}", "stack_guard", Qgis.Critical)
            handler.setServiceException(OgcRefusal("NoApplicableCode", "request check failed", "", 500))
            return
        if refused is None:
            return
        name, reason = refused
        message = f"refused parameter {name}: {reason}"
        QgsMessageLog.logMessage(message, "stack_guard", Qgis.Warning)
        handler.setServiceException(OgcRefusal("InvalidParameterValue", message, name, 400))


class StackGuardPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        # QGIS keeps no Python reference to filters: hold them here or they are collected.
        self.filters: list[QgsServerFilter] = [ClientChosenSourceFilter(server_iface)]
        busy_dir = os.environ.get("QGIS_STACK_BUSY_DIR", "")  # read at worker start, not per request
        if busy_dir:
            self.filters.append(BusyMarker(server_iface, Path(busy_dir)))
        for server_filter in self.filters:
            server_iface.registerFilter(server_filter, PRIORITY)
        address = metrics_address(os.environ.get("QGIS_STACK_METRICS_EVENTS", ""))
        if address is not None:
            # Last of all filters, so it reports the status the client gets.
            self.metrics = MetricsEvents(server_iface, address)
            server_iface.registerFilter(self.metrics, METRICS_PRIORITY)
