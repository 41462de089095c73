"""Tells the metrics exporter (qgis-server/metrics) about each request and worker start.

One UDP datagram to the exporter on localhost per event, as statsd clients do: sending
never blocks or fails the request, and counters live in the exporter, so they add up over
all workers and survive a worker's restart. Built in (not a mounted plugin) so that no
plugin folder can leave the metrics out.
"""

import contextlib
import json
import os
import socket
import time

from qgis.server import QgsServerFilter, QgsServerInterface
from stack_plugin_kit.project import project_name

OGC_API_PATH = "/wfs3"  # QGIS serves OGC API Features under <project>/wfs3


def send_event(sock: socket.socket, address: tuple[str, int], event: dict[str, object]) -> None:
    with contextlib.suppress(OSError):  # no exporter listening: the request must not notice
        sock.sendto(json.dumps(event, separators=(",", ":")).encode(), address)


class MetricsEvents(QgsServerFilter):
    def __init__(self, server_iface: QgsServerInterface, address: tuple[str, int]) -> None:
        super().__init__(server_iface)
        self._address = address
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._started: float | None = None
        send_event(self._socket, address, {"event": "worker_start", "pid": os.getpid()})

    def requestReady(self) -> None:  # noqa: N802
        self._started = time.monotonic()

    def responseComplete(self) -> None:  # noqa: N802
        started, self._started = self._started, None
        handler = self.serverInterface().requestHandler()
        if handler is None or started is None:
            return
        parameters = handler.parameterMap()
        service = parameters.get("SERVICE", "")
        if not service and OGC_API_PATH in handler.url():
            service = "WFS3"
        event = {
            "event": "request",
            "project": project_name(self.serverInterface()),
            "service": service[:40],
            "request": parameters.get("REQUEST", "")[:40],
            "status": handler.statusCode() or 200,  # FastCGI: 0 until set, and unset means 200
            "duration_s": round(time.monotonic() - started, 6),
        }
        send_event(self._socket, self._address, event)


def metrics_address(setting: str) -> tuple[str, int] | None:
    """'host:port' of QGIS_STACK_METRICS_EVENTS, or None when it is empty (no exporter)."""
    host, _, port = setting.rpartition(":")
    if not host or not port.isdigit():
        return None
    return host, int(port)
