"""Throwaway qgis-server containers from the stack's image, for tests that break things.

No PostGIS and no nginx: health requests run against the image's empty project, so a
plugin folder made by a test is all such a container needs.

testcontainers starts them: it labels each container with the pytest session's id. Its
reaper (Ryuk) would remove them when pytest is killed, but Ryuk is an image from a registry
and these hosts have none, so the reaper is off and `remove_leftovers` does its job at the
next session start: containers of this stack project left by an earlier session go.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import docker
from docker.models.containers import Container
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.labels import LABEL_SESSION_ID, SESSION_ID

from stack.core.settings import FCGI_PORT, Settings
from stack.core.waiting import wait_until
from stack.deploy.containers import health_status, last_probe_output

SECOND = 1_000_000_000  # docker healthcheck times are in nanoseconds
PROJECT_LABEL = "qgis-stack.test-project"

# Ryuk's image cannot be pulled without a registry; remove_leftovers() stands in for it.
testcontainers_config.ryuk_disabled = True


def plugin_folder(destination: Path, *plugins: Path) -> Path:
    """A plugin folder holding copies of `plugins`, readable by the container's user."""
    folder = destination / "plugins"
    for plugin in plugins:
        shutil.copytree(plugin, folder / plugin.name)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def qgis_server(
    image: str, project: str, plugins: Path, projects: Path | None = None, **environment: str
) -> DockerContainer:
    """One worker, the plugins (and projects) mounted, and a health check every second."""
    volumes = [(str(plugins), "/srv/qgis/plugins", "ro")]
    if projects is not None:
        volumes.append((str(projects), "/srv/qgis/projects", "ro"))
    container = DockerContainer(
        image,
        env={"QGIS_WORKERS": "1", "QGIS_FCGI_PORT": str(FCGI_PORT), **environment},
        volumes=volumes,
    )
    return container.with_tmpfs_mount("/tmp").with_kwargs(
        labels={PROJECT_LABEL: project},
        read_only=True,
        healthcheck={
            "test": ["CMD", "qgis-server-healthcheck"],
            "interval": SECOND,
            "timeout": 10 * SECOND,
            "retries": 2,
            "start_period": 1_000_000,  # 1 ms; 0 would inherit the image's start period
        },
    )


def healthy(container: Container, timeout_s: float = 90) -> Container:
    """The container, once Docker's health check passes; fails with the last probe's output."""
    if not wait_until(lambda: health_status(container) == "healthy", timeout_s=timeout_s):
        raise AssertionError(
            f"{container.name} not healthy after {timeout_s} s: {last_probe_output(container)}"
        )
    return container


def remove_leftovers(client: docker.DockerClient, project: str) -> list[str]:
    """Remove throwaway containers of this project that an earlier, killed session left."""
    found: list[Container] = client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})
    removed = []
    for container in found:
        if container.labels.get(LABEL_SESSION_ID) != SESSION_ID:
            container.remove(force=True)
            removed.append(container.name)
    return removed


def nginx_in_front(
    image: str, project: str, qgis: Container, projects: Path, access: Path, **environment: str
) -> DockerContainer:
    """The stack's nginx in front of a throwaway qgis-server; requests go in with `curl`
    inside it (nothing is published). No users: htpasswd is an empty file in `access`."""
    address = qgis.attrs["NetworkSettings"]["IPAddress"]
    container = DockerContainer(
        image,
        env={"QGIS_FCGI_ADDRESS": f"{address}:{FCGI_PORT}", **environment},
        volumes=[
            (str(projects), "/srv/qgis/projects", "ro"),
            (str(access), "/etc/qgis-stack/access", "ro"),
            (str(access / "htpasswd"), "/etc/qgis-stack/htpasswd", "ro"),
        ],
    )
    return container.with_tmpfs_mount("/tmp").with_kwargs(labels={PROJECT_LABEL: project}, read_only=True)


class ThrowawayStarter:
    """Starts throwaway containers from the stack's images and stops them all at the end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started: list[DockerContainer] = []

    def _start(self, container: DockerContainer) -> Container:
        self.started.append(container.start())
        return container.get_wrapped_container()

    def qgis_server(self, plugins: Path, projects: Path | None = None, **environment: str) -> Container:
        image = self.settings.image("qgis-server")
        return self._start(qgis_server(image, self.settings.project_name, plugins, projects, **environment))

    def nginx(self, qgis: Container, projects: Path, access: Path, **environment: str) -> Container:
        qgis.reload()  # its address is known once it runs
        image = self.settings.image("nginx")
        return self._start(
            nginx_in_front(image, self.settings.project_name, qgis, projects, access, **environment)
        )

    def stop_all(self) -> None:
        for container in self.started:
            container.stop()
