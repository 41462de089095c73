"""Two filters around all others: the first starts the clock, the last writes the line."""

from __future__ import annotations

import time
from collections.abc import Callable

from qgis.server import QgsServerInterface
from stack_plugin_kit.safe_filter import GuardedFilter

from .record import json_line, request_record


class RequestClock:
    """When the current request started. A worker serves one request at a time."""

    def __init__(self) -> None:
        self.started_wall: float | None = None
        self.started_monotonic: float | None = None

    def start(self) -> None:
        self.started_wall, self.started_monotonic = time.time(), time.monotonic()

    def stop(self) -> tuple[float, float | None]:
        """(wall-clock start, duration in ms); the duration is None if start() was skipped."""
        wall, monotonic = self.started_wall, self.started_monotonic
        self.started_wall = self.started_monotonic = None
        if monotonic is None:
            return time.time(), None
        return wall or time.time(), (time.monotonic() - monotonic) * 1000.0


class RequestStartFilter(GuardedFilter):
    plugin_name = "stack_request_log"
    fail_request_on_error = False  # a missing log line must not cost the client its answer

    def __init__(self, server_iface: QgsServerInterface, clock: RequestClock) -> None:
        super().__init__(server_iface)
        self._clock = clock

    def on_request_ready(self) -> None:
        self._clock.start()


class RequestEndFilter(GuardedFilter):
    plugin_name = "stack_request_log"
    fail_request_on_error = False

    def __init__(
        self, server_iface: QgsServerInterface, clock: RequestClock, write_line: Callable[[str], None]
    ) -> None:
        super().__init__(server_iface)
        self._clock = clock
        self._write_line = write_line

    def on_response_complete(self) -> None:
        started, duration_ms = self._clock.stop()
        handler = self.serverInterface().requestHandler()
        if handler is not None:
            self._write_line(json_line(request_record(self.serverInterface(), handler, started, duration_ms)))
