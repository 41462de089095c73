"""The STACKINFO QgsService: SERVICE=STACKINFO&REQUEST=GetInfo → JSON."""

import json
import os

import qgis.utils
from qgis.core import Qgis, QgsProject
from qgis.server import QgsServerRequest, QgsServerResponse, QgsService

from .report import build_report


class StackInfoService(QgsService):
    def name(self) -> str:
        return "STACKINFO"

    def version(self) -> str:
        return "1.0.0"

    def allowMethod(self, method: QgsServerRequest.Method) -> bool:  # noqa: N802
        return method in (QgsServerRequest.GetMethod, QgsServerRequest.HeadMethod)

    def executeRequest(  # noqa: N802
        self, request: QgsServerRequest, response: QgsServerResponse, project: QgsProject
    ) -> None:
        operation = (request.parameter("REQUEST") or "GetInfo").lower()
        if operation != "getinfo":
            self._write(response, 400, {"error": f"unknown REQUEST '{operation}'; try GetInfo"})
            return
        report = build_report(
            Qgis.version(),
            os.environ.get("QGIS_PLUGINPATH", ""),
            list(qgis.utils.server_active_plugins),
        )
        self._write(response, 200 if report["healthy"] else 503, report)

    @staticmethod
    def _write(response: QgsServerResponse, status: int, payload: dict) -> None:
        response.setStatusCode(status)
        response.setHeader("Content-Type", "application/json")
        response.setHeader("Cache-Control", "no-store")
        response.write(json.dumps(payload, indent=2).encode())
