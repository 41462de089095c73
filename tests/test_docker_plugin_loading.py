"""A plugin that fails to load makes QGIS Server unhealthy, with its name and traceback.

Each test runs its own qgis-server container from the stack's image (no PostGIS needed:
the health request runs against an empty project), with a plugin folder made here.
"""

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from stack.containers import health_status, last_probe_output
from stack.handle import StackHandle
from stack.health import wait_until

REPO = Path(__file__).resolve().parents[1]
SECOND = 1_000_000_000  # docker healthcheck times are in nanoseconds

pytestmark = pytest.mark.docker


def plugin_folder(tmp_path: Path, *plugins: Path) -> Path:
    folder = tmp_path / "plugins"
    for plugin in plugins:
        shutil.copytree(plugin, folder / plugin.name)
    for path in [folder, *folder.rglob("*")]:  # the container user is not the host's
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


@pytest.fixture
def start_qgis_server(docker_client: docker.DockerClient, stack: StackHandle) -> Iterator:
    assert stack.settings is not None
    image = f"qgis-stack/qgis-server:{stack.settings.release.version}"
    started: list[Container] = []

    def start(plugins: Path) -> Container:
        container = docker_client.containers.run(
            image,
            name=f"qgis-stack-test-plugins-{uuid.uuid4().hex[:8]}",
            detach=True,
            environment={"QGIS_WORKERS": "1"},
            volumes={str(plugins): {"bind": "/srv/qgis/plugins", "mode": "ro"}},
            read_only=True,
            tmpfs={"/tmp": ""},
            healthcheck={
                "test": ["CMD", "qgis-server-healthcheck"],
                "interval": SECOND,
                "timeout": 10 * SECOND,
                "retries": 2,
                "start_period": 1_000_000,  # 1 ms; 0 would inherit the image's start period
            },
        )
        started.append(container)
        return container

    yield start
    for container in started:
        container.remove(force=True)


def test_a_plugin_that_fails_to_load_makes_the_container_unhealthy_naming_it(
    tmp_path: Path, start_qgis_server
) -> None:
    plugins = plugin_folder(tmp_path, REPO / "plugins/stack_info", REPO / "tests/fixtures/broken_plugin")
    container = start_qgis_server(plugins)

    # Unhealthy because of the plugin, not merely because the workers are still starting.
    def unhealthy_naming_the_plugin() -> bool:
        return health_status(container) == "unhealthy" and '"broken_plugin"' in last_probe_output(container)

    assert wait_until(unhealthy_naming_the_plugin, timeout_s=90), last_probe_output(container)
    log = container.logs().decode(errors="replace")
    assert "Traceback" in log
    assert "broken_plugin fails to load on purpose" in log


def test_the_same_container_with_loadable_plugins_is_healthy(tmp_path: Path, start_qgis_server) -> None:
    container = start_qgis_server(plugin_folder(tmp_path, REPO / "plugins/stack_info"))

    healthy = wait_until(lambda: health_status(container) == "healthy", timeout_s=90)
    assert healthy, last_probe_output(container)
    assert '"failed": []' in last_probe_output(container)
