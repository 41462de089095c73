"""Throwaway qgis-server containers from the stack's image, for tests that break things.

No PostGIS and no nginx: health requests run against the image's empty project, so a
plugin folder made by a test is all such a container needs.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import docker
from docker.models.containers import Container

SECOND = 1_000_000_000  # docker healthcheck times are in nanoseconds


def plugin_folder(destination: Path, *plugins: Path) -> Path:
    """A plugin folder holding copies of `plugins`, readable by the container's user."""
    folder = destination / "plugins"
    for plugin in plugins:
        shutil.copytree(plugin, folder / plugin.name)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def run_qgis_server(client: docker.DockerClient, image: str, plugins: Path, **environment: str) -> Container:
    """One worker, the plugins mounted, and a health check every second from the start."""
    return client.containers.run(
        image,
        name=f"qgis-stack-test-{uuid.uuid4().hex[:8]}",
        detach=True,
        environment={"QGIS_WORKERS": "1", **environment},
        volumes={str(plugins): {"bind": "/srv/qgis/plugins", "mode": "ro"}},
        read_only=True,
        tmpfs={"/tmp": ""},
        labels={"qgis-stack.test": "throwaway"},
        healthcheck={
            "test": ["CMD", "qgis-server-healthcheck"],
            "interval": SECOND,
            "timeout": 10 * SECOND,
            "retries": 2,
            "start_period": 1_000_000,  # 1 ms; 0 would inherit the image's start period
        },
    )
