"""The STACKINFO QgsService: SERVICE=STACKINFO&REQUEST=GetInfo → JSON."""

import json

import qgis.utils
from qgis.core import Qgis, QgsProject
from qgis.server import QgsServerInterface, QgsServerRequest, QgsServerResponse, QgsService

from .postgis import check_postgis
from .report import PROJECT_DIRS, build_report, projects_served

# Set by nginx, never by the client: "full" (an address of STACK_INFO_ALLOW), "status"
# (/healthz for everyone else: the verdict only), "none" (STACKINFO under /ows for everyone
# else: refused), "projects" (the web page's /projects.json: the names of the projects
# served, nothing else). Absent only when the FastCGI port is asked directly, from inside the
# stack's network (the qgis-server health check): full.
ACCESS_HEADER = "X-Qgis-Stack-Info"


class StackInfoService(QgsService):
    def __init__(
        self,
        plugin_path: str,
        pg_service: str,
        project_dirs: tuple[str, ...] = PROJECT_DIRS,
        server_iface: QgsServerInterface | None = None,
    ) -> None:
        super().__init__()
        self.server_iface = server_iface
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
        # request.header() misses headers QGIS does not know under FastCGI: read the
        # request's environment the way every plugin of the stack does.
        access = (self._access_header(request) or "full").lower()
        if access not in ("full", "status", "projects"):
            self._write(response, 403, {"error": "SERVICE=STACKINFO is not available to this client"})
            return
        operation = (request.parameter("REQUEST") or "GetInfo").lower()
        if operation != "getinfo":
            self._write(response, 400, {"error": f"unknown REQUEST '{operation}'; try GetInfo"})
            return
        report = build_report(
            Qgis.version(),
            self.plugin_path,
            list(qgis.utils.server_active_plugins),
            projects=projects_served(self.project_dirs),
            # Only the full report shows it: /healthz is asked every few seconds by nginx's
            # health check and by load balancers, and a PostGIS connection per probe costs
            # both containers CPU for a field nobody would see.
            postgis=check_postgis(self.pg_service) if access == "full" else None,
        )
        status = 200 if report["healthy"] else 503
        # A load balancer needs the verdict; paths, plugins and pids are for operators.
        if access == "full":
            self._write(response, status, report)
        elif access == "projects":
            names = sorted(report["projects"])
            self._write(response, status, {"healthy": report["healthy"], "projects": names})
        else:
            self._write(response, status, {"healthy": report["healthy"]})

    def _access_header(self, request: QgsServerRequest) -> str:
        # Under FastCGI, request.header() misses headers QGIS does not know: they are in the
        # request's environment, which getEnv() reads (os.environ is the worker's start copy).
        # Self-contained on purpose: this plugin must load from any plugin folder alone.
        value = request.header(ACCESS_HEADER) or ""
        if not value and self.server_iface is not None:
            value = self.server_iface.getEnv("HTTP_" + ACCESS_HEADER.upper().replace("-", "_"))
        return value.strip()

    @staticmethod
    def _write(response: QgsServerResponse, status: int, payload: dict) -> None:
        response.setStatusCode(status)
        response.setHeader("Content-Type", "application/json")
        response.setHeader("Cache-Control", "no-store")
        response.write(json.dumps(payload, indent=2).encode())
