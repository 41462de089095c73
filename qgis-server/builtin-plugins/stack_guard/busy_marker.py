"""Marks this worker busy while it handles a request, for qgis-worker-watchdog.

QGIS Server has no time limit per request, and a request can spin a worker forever (QGIS
3.40: a WFS-T Insert with an unknown property loops in featuresFromGML). The marker is a
file named after the worker's pid, which holds the request from requestReady to
responseComplete and is empty in between; the watchdog kills workers whose marker has held
one request for longer than QGIS_WORKER_REQUEST_TIMEOUT (its modification time).
"""

import os
from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.server import QgsServerFilter, QgsServerInterface


class BusyMarker(QgsServerFilter):
    def __init__(self, server_iface: QgsServerInterface, directory: Path) -> None:
        super().__init__(server_iface)
        # Read once: the pid and directory of this worker do not change per request.
        self.marker = directory / str(os.getpid())
        # One file per worker, rewritten in place: creating and deleting it on every request
        # (two directory updates) cost more than the two writes it takes now.
        self._fd: int | None = None

    def requestReady(self) -> None:  # noqa: N802
        handler = self.serverInterface().requestHandler()
        # nginx sends the id as the FastCGI parameter HTTP_X_REQUEST_ID; which QGIS versions
        # copy such a custom header into the request differs, the environment always has it.
        request_id = (
            handler.requestHeader("X-Request-Id") or self.serverInterface().getEnv("HTTP_X_REQUEST_ID") or "-"
        )
        text = f"request {request_id}: {handler.url()[:300]}\n".encode()
        try:
            if self._fd is None:  # at the first request: the watchdog creates the directory
                self._fd = os.open(self.marker, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            os.pwrite(self._fd, text, 0)
            os.ftruncate(self._fd, len(text))
        except OSError as error:
            QgsMessageLog.logMessage(f"cannot mark worker busy: {error}", "stack_guard", Qgis.Warning)

    def responseComplete(self) -> None:  # noqa: N802
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError as error:
                QgsMessageLog.logMessage(f"cannot mark worker idle: {error}", "stack_guard", Qgis.Warning)
