"""Registers the STACKINFO service with QGIS Server."""

from qgis.server import QgsServerInterface

from .service import StackInfoService


class StackInfoPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        # QGIS keeps no Python reference to the service: hold it here or it is collected.
        self.service = StackInfoService()
        server_iface.serviceRegistry().registerService(self.service)
