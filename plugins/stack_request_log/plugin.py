"""Registers the request-log filters: one JSON line per request on the worker's stderr."""

from __future__ import annotations

import os

from qgis.server import QgsServerInterface

from .log_filters import RequestClock, RequestEndFilter, RequestStartFilter

# Filters run in ascending priority, for every hook: the clock starts before the other
# plugins' requestReady (after the image's stack_guard, -1000, which only vets parameters)
# and stops after every other filter's responseComplete.
START_PRIORITY = -900
END_PRIORITY = 1000


def write_stderr_line(line: str) -> None:
    # One write() per line: several workers share the container's stderr, and writes up
    # to PIPE_BUF (4 KiB) bytes are not interleaved. Straight to fd 2, which docker logs
    # collects; QGIS's FastCGI library redirects only C stdio, not this descriptor.
    os.write(2, (line + "\n").encode())


class RequestLogPlugin:
    def __init__(self, server_iface: QgsServerInterface) -> None:
        clock = RequestClock()
        # QGIS keeps no Python reference to the filters: hold them here or they are collected.
        self.start_filter = RequestStartFilter(server_iface, clock)
        self.end_filter = RequestEndFilter(server_iface, clock, write_stderr_line)
        server_iface.registerFilter(self.start_filter, START_PRIORITY)
        server_iface.registerFilter(self.end_filter, END_PRIORITY)
