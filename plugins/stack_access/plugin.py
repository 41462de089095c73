"""Registers the access control filter, configured from the environment at worker start."""

from __future__ import annotations

import os
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsServerInterface

from .access_filter import LOG_TAG, StackAccessControl
from .api_rows import ApiRowFilter
from .request_check import RequestCheck
from .response_scrub import ResponseScrub
from .rules_store import RulesStore

DEFAULT_RULES = "/etc/qgis-stack/access/rules.yaml"
# Among access control filters, lower runs first; all must allow for access to be granted.
PRIORITY = 100
# Among server filters: after stack_guard (-1000) and the request log (-900), before the
# plugins that change requests (featureinfo 100), so they see a checked request.
FILTER_PRIORITY = 50


def log_error(message: str) -> None:
    QgsMessageLog.logMessage(message, LOG_TAG, Qgis.Critical)


def log_info(message: str) -> None:
    # Warning, not Info: a rules (re)load is rare and worth seeing at QGIS_SERVER_LOG_LEVEL=1.
    QgsMessageLog.logMessage(message, LOG_TAG, Qgis.Warning)


class StackAccessPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        # Read once: FastCGI replaces the worker's environment with each request's parameters.
        path = Path(os.environ.get("STACK_ACCESS_RULES") or DEFAULT_RULES)
        self.store = RulesStore(path, on_error=log_error, on_load=log_info)
        self.store.current()  # load now, so a broken file is reported at start, not at first request
        # QGIS keeps no Python reference to the filter: hold it here or it is collected.
        self.access_control = StackAccessControl(server_iface, self.store)
        server_iface.registerAccessControl(self.access_control, PRIORITY)
        self.filters = [
            RequestCheck(server_iface, self.store),
            ResponseScrub(server_iface, self.store),
            ApiRowFilter(server_iface, self.store),
        ]
        for server_filter in self.filters:
            server_iface.registerFilter(server_filter, FILTER_PRIORITY)
