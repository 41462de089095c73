"""Registers the STACKINFO service with QGIS Server."""

import os

from qgis.server import QgsServerInterface

from .service import StackInfoService


class StackInfoPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        # Read once: FastCGI replaces the worker's environment with each request's
        # parameters. STACK_PG_SERVICE empty = do not check PostGIS.
        self.service = StackInfoService(
            plugin_path=os.environ.get("QGIS_PLUGINPATH", ""),
            pg_service=os.environ.get("STACK_PG_SERVICE", "").strip(),
            server_iface=server_iface,
        )
        # QGIS keeps no Python reference to the service: hold it here or it is collected.
        server_iface.serviceRegistry().registerService(self.service)
