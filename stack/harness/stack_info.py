"""The stack_info report (QGIS version, plugins, PostGIS), which is not public.

nginx gives the full report only to the addresses of STACK_INFO_ALLOW (the container's own
loopback by default); the public gets {"healthy": …} from /healthz. The harness reads the
full report from inside the nginx container when the stack is local, and from /healthz
when remote (the full report if the runner's address is allowed there, else the verdict).
"""

from __future__ import annotations

import json
import re

import docker
import requests

from stack.deploy.containers import service_container
from stack.harness.handle import TIMEOUT_S, StackHandle

QgisVersion = tuple[int, int, int]
# nginx listens on this port inside its container; loopback there is in STACK_INFO_ALLOW.
NGINX_INNER_HEALTHZ = "http://127.0.0.1:8080/healthz"


def stack_report(handle: StackHandle) -> dict:
    """The full report when this harness may have it, else what /healthz tells anyone."""
    if handle.settings is not None:
        client = docker.from_env()
        nginx = service_container(client, handle.settings.project_name, "nginx")
        result = nginx.exec_run(["curl", "-sS", "--max-time", str(TIMEOUT_S), NGINX_INNER_HEALTHZ])
        if result.exit_code != 0:
            raise RuntimeError(result.output.decode(errors="replace").strip() or "curl failed")
        return json.loads(result.output)
    return requests.get(handle.healthz_url, timeout=TIMEOUT_S).json()


def parse_version(text: str) -> QgisVersion | None:
    """'3.40.6-Bratislava' (or any text naming one) → (3, 40, 6)."""
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def served_version(handle: StackHandle) -> QgisVersion | None:
    """The QGIS version under test, or None when this harness may not know it (remote,
    runner not in STACK_INFO_ALLOW): pass --qgis-version then."""
    try:
        report = stack_report(handle)
    except (requests.RequestException, ValueError, RuntimeError, LookupError, docker.errors.DockerException):
        return None
    return parse_version(str(report.get("qgis_version", "")))
