"""What one request-log line says, built from the request handler at the end of a request."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from qgis.server import QgsRequestHandler, QgsServerInterface
from stack_plugin_kit.headers import request_header, response_status
from stack_plugin_kit.project import project_name

# Parameters that name layers, across WMS, WFS, WCS and WMTS.
LAYER_PARAMETERS = ("LAYERS", "QUERY_LAYERS", "LAYER", "TYPENAME", "TYPENAMES", "COVERAGE", "COVERAGEID")
MAX_LAYERS, MAX_TEXT = 50, 200  # a line stays short whatever a client sends


def request_record(
    server_iface: QgsServerInterface, handler: QgsRequestHandler, started: float, duration_ms: float | None
) -> dict[str, object]:
    parameters = handler.parameterMap()
    return {
        "time": datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
        "request_id": request_header(server_iface, "X-Request-Id")[:MAX_TEXT] or None,
        "service": parameters.get("SERVICE", "")[:MAX_TEXT],
        "request": parameters.get("REQUEST", "")[:MAX_TEXT],
        "project": project_name(server_iface),
        "layers": requested_layers(parameters),
        "role": request_header(server_iface, "X-Qgis-Stack-Role")[:MAX_TEXT] or None,
        "status": response_status(handler),
        "duration_ms": None if duration_ms is None else round(duration_ms, 1),
        "pid": os.getpid(),
    }


def requested_layers(parameters: dict[str, str]) -> list[str]:
    names: list[str] = []
    for key in LAYER_PARAMETERS:
        for name in parameters.get(key, "").split(","):
            name = name.strip()[:MAX_TEXT]
            if name and name not in names:
                names.append(name)
                if len(names) == MAX_LAYERS:
                    return names
    return names


def json_line(record: dict[str, object]) -> str:
    # json.dumps escapes newlines inside strings, so a record is always one line.
    return json.dumps(record, separators=(",", ":"))
