"""The STACKINFO QgsService: SERVICE=STACKINFO&REQUEST=GetInfo → JSON."""

import json

import qgis.utils
from qgis.core import Qgis, QgsProject
from qgis.server import QgsServerRequest, QgsServerResponse, QgsService

from .postgis import check_postgis
from .report import PROJECT_DIRS, build_report, projects_served


class StackInfoService(QgsService):
    def __init__(
        self, plugin_path: str, pg_service: str, project_dirs: tuple[str, ...] = PROJECT_DIRS
    ) -> None:
        super().__init__()
        self.plugin_path = plugin_path
        self.pg_service = pg_service
        self.project_dirs = project_dirs

    def name(self) -> str:
        return "STACKINFO"

    def version(self) -> str:
        return "1.1.0"

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
            self.plugin_path,
            list(qgis.utils.server_active_plugins),
            projects=projects_served(self.project_dirs),
            postgis=check_postgis(self.pg_service),
        )
        self._write(response, 200 if report["healthy"] else 503, report)

    @staticmethod
    def _write(response: QgsServerResponse, status: int, payload: dict) -> None:
        response.setStatusCode(status)
        response.setHeader("Content-Type", "application/json")
        response.setHeader("Cache-Control", "no-store")
        response.write(json.dumps(payload, indent=2).encode())
