"""make reload: apply changed plugins, projects, access rules and nginx config to a running
stack without failing a request.

Projects and access/rules.yaml need nothing: QGIS reloads a changed project file and
stack_access re-reads its rules. Plugins load when a worker starts, so the QGIS workers are
replaced one at a time (qgis-server-reload in the image). nginx renders its templates again
and reloads gracefully, which also re-reads access/users.map.
"""

from __future__ import annotations

import time

import docker
from docker.models.containers import Container

from stack.core.console import say
from stack.core.errors import StackError
from stack.core.settings import Settings
from stack.deploy.containers import service_container


def _run(container: Container, command: list[str]) -> None:
    result = container.exec_run(command)
    output = result.output.decode(errors="replace").strip()
    if result.exit_code != 0:
        what = f"{' '.join(command)} in {container.name}"
        raise StackError(f"{what} failed (exit {result.exit_code}):\n{output}")
    for line in output.splitlines():
        say(line)


def reload(settings: Settings) -> None:
    client = docker.from_env()
    started = time.monotonic()
    # Workers first: a new nginx config may rely on what new plugins serve.
    _run(service_container(client, settings.project_name, "qgis-server"), ["qgis-server-reload"])
    _run(service_container(client, settings.project_name, "nginx"), ["nginx-entrypoint", "reload"])
    say(f"reloaded in {time.monotonic() - started:.1f} s")
