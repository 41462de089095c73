"""qgis-stack-metrics: a Prometheus exporter for the QGIS Server container.

Workers (the built-in stack_guard plugin) and the watchdog send one UDP datagram per event
to 127.0.0.1:QGIS_STACK_METRICS_PORT; this process counts them, so counters add up over
all workers and outlive any worker. GET /metrics on the same port number (TCP) answers in
Prometheus' text format; nginx proxies /metrics to it for the addresses it allows.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from registry import Registry
from workers import busy_workers, running_workers

from postgis import probe

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAX_DATAGRAM = 4096
# The socket is read in batches, never waited on: a datagram then wakes no process, where a
# wake-up per request cost each worker about 0.04 ms of CPU (measured on DescribeFeatureType).
# The kernel keeps the datagrams meanwhile (rmem_max, ~400 events: 8,000 requests a second).
DRAIN_INTERVAL_S = 0.05


class EventInbox:
    """The workers' and the watchdog's datagrams, counted into the registry in batches."""

    def __init__(self, registry: Registry, port: int) -> None:
        self._registry = registry
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # bursts of a bench run
        self._socket.bind(("127.0.0.1", port))
        self._socket.setblocking(False)

    def drain(self) -> None:
        """Count every datagram that has arrived. A scrape drains first, so its counts include
        every request answered before it."""
        with self._lock:
            while True:
                try:
                    data = self._socket.recv(MAX_DATAGRAM)
                except BlockingIOError:
                    return
                try:
                    event = json.loads(data)
                except ValueError:
                    event = None
                self._registry.record(event)

    def run(self) -> None:
        while True:
            self.drain()
            time.sleep(DRAIN_INTERVAL_S)


def handler_class(
    registry: Registry, inbox: EventInbox, busy_dir: Path, pg_service: str
) -> type[BaseHTTPRequestHandler]:
    probe_lock = threading.Lock()  # one PostGIS probe at a time, however many scrapers

    class MetricsHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404, "only /metrics here")
                return
            with probe_lock:
                postgis_up, postgis_seconds = probe(pg_service)
            inbox.drain()
            body = registry.render(busy_workers(busy_dir), running_workers(), postgis_up, postgis_seconds)
            payload = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every few seconds would drown the container's log

    return MetricsHandler


def main() -> None:
    port = int(os.environ["QGIS_STACK_METRICS_PORT"])
    registry = Registry(workers_configured=int(os.environ["QGIS_WORKERS"]))
    inbox = EventInbox(registry, port)
    threading.Thread(target=inbox.run, daemon=True, name="events").start()
    handler = handler_class(
        registry, inbox, Path(os.environ["QGIS_STACK_BUSY_DIR"]), os.environ.get("STACK_PG_SERVICE", "")
    )
    server = ThreadingHTTPServer(("0.0.0.0", port), handler)
    print(f"qgis-stack-metrics: /metrics on :{port}, events on udp 127.0.0.1:{port}", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
