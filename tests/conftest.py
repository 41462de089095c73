"""The suite's own fixtures; the stack's come from the stack.pytest_plugin entry point."""

from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from stack.harness.handle import StackHandle
from stack.harness.throwaway import run_qgis_server

# tests/inprocess runs inside the qgis-server image (`make plugin-test`), where PyQGIS is.
collect_ignore = ["inprocess"]

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def start_qgis_server(
    docker_client: docker.DockerClient, stack: StackHandle
) -> Iterator[Callable[..., Container]]:
    """Start throwaway qgis-server containers from the stack's image; removed afterwards."""
    assert stack.settings is not None
    image = stack.settings.image("qgis-server")
    started: list[Container] = []

    def start(plugins: Path, **environment: str) -> Container:
        container = run_qgis_server(docker_client, image, plugins, **environment)
        started.append(container)
        return container

    yield start
    for container in started:
        container.remove(force=True)
