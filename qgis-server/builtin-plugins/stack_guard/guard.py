"""The filters: refuse before QGIS picks a project or a data source; mark workers busy.

When a filter raises in requestReady, QGIS logs it and carries on with the request — with
the client's MAP. So the guard fails closed: if checking fails, the request is refused.
"""

import os
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsServerFilter, QgsServerInterface
from stack_plugin_kit.refusal import OgcRefusal

from .busy_marker import BusyMarker
from .limits import Limits, limit_violation, missing_operation
from .metrics_events import MetricsEvents, metrics_address
from .recycle import Recycler
from .rules import DEFAULT_MAX_XML_DEPTH, Refusal, load_table, reasons, refused_parameter
from .status import corrected_status
from .transaction_fields import layer_fields
from .wfst import unknown_property

# Lowest value runs first: refuse before any other plugin sees the request.
PRIORITY = -1000
METRICS_PRIORITY = 2000  # after the request log (1000): the last filter to see a response


def printable(name: str) -> str:
    """A parameter name fit for a log line and an XML report (it may hold a NUL)."""
    return name.encode("unicode_escape").decode("ascii")


class ClientChosenSourceFilter(QgsServerFilter):
    """Refuses what a request may not ask for, before QGIS reads a project or a source."""

    def __init__(self, server_iface: QgsServerInterface, max_xml_depth: int, limits: Limits) -> None:
        super().__init__(server_iface)
        # Read once at worker start: the table ships with the plugin.
        self.reasons = reasons(load_table())
        self.max_xml_depth = max_xml_depth
        self.limits = limits

    def is_service(self, name: str) -> bool:
        registry = self.serverInterface().serviceRegistry()
        return any(registry.getService(spelling) is not None for spelling in (name, name.upper()))

    def requestReady(self) -> None:  # noqa: N802
        handler = self.serverInterface().requestHandler()
        try:
            self.check(handler)
        except Exception as error:  # fail closed
            QgsMessageLog.logMessage(f"cannot check the request: {error!r}", "stack_guard", Qgis.Critical)
            handler.setServiceException(OgcRefusal("NoApplicableCode", "request check failed", "", 500))

    def check(self, handler) -> None:
        parameters = handler.parameterMap()
        # QGIS reads a body it cannot parse as XML as a query string: say what went wrong.
        if bytes(handler.data()).lstrip().startswith(b"<") and "REQUEST_BODY" not in parameters:
            message = "the XML request body is not well-formed"
            handler.setServiceException(OgcRefusal("RequestNotWellFormed", message, "request body", 400))
            return
        refusal = refused_parameter(parameters, self.reasons, self.max_xml_depth)
        if refusal is not None:
            self.refuse(handler, refusal, "refused parameter")
            return
        refusal = limit_violation(parameters, self.limits)
        if refusal is not None:
            self.refuse(handler, refusal, "refused parameter")
            return
        missing = missing_operation(parameters, handler.path(), self.is_service)
        if missing is not None:
            code, locator, message = missing
            QgsMessageLog.logMessage(message, "stack_guard", Qgis.Info)
            handler.setServiceException(OgcRefusal(code, message, locator, 400))
            return
        upper = {
            name.upper(): value.upper()
            for name, value in parameters.items()
            if name.upper() in ("SERVICE", "REQUEST")
        }
        if upper.get("SERVICE") == "WFS" and upper.get("REQUEST") == "TRANSACTION" and handler.data():
            config_path = self.serverInterface().configFilePath()
            refusal = unknown_property(bytes(handler.data()), lambda name: layer_fields(config_path, name))
            if refusal is not None:
                self.refuse(handler, refusal, "refused transaction")

    def responseComplete(self) -> None:  # noqa: N802
        handler = self.serverInterface().requestHandler()
        try:
            status = handler.statusCode()
            if status >= 500:  # read the body only then: it can be a large image
                corrected = corrected_status(status, handler.path(), bytes(handler.body()))
                if corrected is not None:
                    handler.setStatusCode(corrected)
        except Exception as error:  # the answer itself is fine: log, do not fail it
            QgsMessageLog.logMessage(f"cannot check the status: {error!r}", "stack_guard", Qgis.Warning)

    @staticmethod
    def refuse(handler, refusal: Refusal, what: str) -> None:
        name = printable(refusal.parameter)
        message = f"{what} {name}: {refusal.reason}"
        QgsMessageLog.logMessage(f"{message} [{refusal.rule}]", "stack_guard", Qgis.Warning)
        handler.setServiceException(OgcRefusal("InvalidParameterValue", message, name, 400))


class StackGuardPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        # QGIS keeps no Python reference to filters: hold them here or they are collected.
        # Read at worker start, not per request: FastCGI replaces the environment per request.
        max_xml_depth = int(os.environ.get("STACK_XML_MAX_DEPTH") or DEFAULT_MAX_XML_DEPTH)
        limits = Limits.from_environment()
        self.filters: list[QgsServerFilter] = [ClientChosenSourceFilter(server_iface, max_xml_depth, limits)]
        busy_dir = os.environ.get("QGIS_STACK_BUSY_DIR", "")
        if busy_dir:
            self.filters.append(BusyMarker(server_iface, Path(busy_dir)))
        max_requests = int(os.environ.get("QGIS_WORKER_MAX_REQUESTS") or 0)
        if max_requests > 0:
            self.filters.append(Recycler(server_iface, max_requests))
        for server_filter in self.filters:
            server_iface.registerFilter(server_filter, PRIORITY)
        address = metrics_address(os.environ.get("QGIS_STACK_METRICS_EVENTS", ""))
        if address is not None:
            # Last of all filters, so it reports the status the client gets.
            self.metrics = MetricsEvents(server_iface, address)
            server_iface.registerFilter(self.metrics, METRICS_PRIORITY)
