"""Marks this worker busy while it handles a request, for qgis-worker-watchdog.

QGIS Server has no time limit per request, and a request can spin a worker forever (QGIS
3.40: a WFS-T Insert with an unknown property loops in featuresFromGML). The marker is a
file named after the worker's pid, present from requestReady to responseComplete; the
watchdog kills workers whose marker is older than QGIS_WORKER_REQUEST_TIMEOUT.
"""

import contextlib
import os
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsServerFilter, QgsServerInterface


class BusyMarker(QgsServerFilter):
    def __init__(self, server_iface: QgsServerInterface, directory: Path) -> None:
        super().__init__(server_iface)
        # Read once: the pid and directory of this worker do not change per request.
        self.marker = directory / str(os.getpid())

    def requestReady(self) -> None:  # noqa: N802
        handler = self.serverInterface().requestHandler()
        # nginx sends the id as the FastCGI parameter HTTP_X_REQUEST_ID; which QGIS versions
        # copy such a custom header into the request differs, the environment always has it.
        request_id = (
            handler.requestHeader("X-Request-Id") or self.serverInterface().getEnv("HTTP_X_REQUEST_ID") or "-"
        )
        # os-level calls: a third of pathlib's system calls, on every request.
        try:
            fd = os.open(self.marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            try:
                os.write(fd, f"request {request_id}: {handler.url()[:300]}\n".encode())
            finally:
                os.close(fd)
        except OSError as error:
            QgsMessageLog.logMessage(f"cannot mark worker busy: {error}", "stack_guard", Qgis.Warning)

    def responseComplete(self) -> None:  # noqa: N802
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.marker)
