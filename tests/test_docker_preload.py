"""Each worker loads the served projects when it starts (QGIS_STACK_PRELOAD_PROJECTS), so
the first request a new worker serves does not wait for a project to load."""

from pathlib import Path

import docker
import pytest

from stack.core.settings import REPO_ROOT, Settings
from stack.deploy.containers import service_container
from stack.harness.throwaway import healthy, plugin_folder

pytestmark = pytest.mark.docker

# The image's own project without data sources: it loads with no PostGIS around.
HEALTH_PROJECT = "/usr/share/qgis-stack/health.qgs"


@pytest.fixture
def projects(tmp_path: Path, docker_client: docker.DockerClient, stack_settings: Settings) -> Path:
    """Two copies of a project that needs no database, and the demo, whose layers name the
    stack's pg_service, which a throwaway container does not have: a database that does
    not answer."""
    health = docker_client.containers.run(
        stack_settings.image("qgis-server"), entrypoint=["cat", HEALTH_PROJECT], remove=True
    )
    qgis = service_container(docker_client, stack_settings.project_name, "qgis-server")
    demo = qgis.exec_run(["cat", "/srv/qgis/demo/demo.qgs"]).output
    folder = tmp_path / "projects"
    folder.mkdir()
    for name, content in (("first", health), ("second", health), ("unreachable", demo)):
        (folder / f"{name}.qgs").write_bytes(content)
        (folder / f"{name}.qgs").chmod(0o644)
    folder.chmod(0o755)
    return folder


def started(start_qgis_server, tmp_path: Path, projects: Path, **environment: str) -> str:
    """The log of a one-worker qgis-server once it is healthy (its worker has started)."""
    plugins = plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info")
    container = start_qgis_server(plugins, projects, QGIS_SERVER_LOG_LEVEL="0", **environment)
    healthy(container, timeout_s=90)
    return container.logs().decode(errors="replace")


def test_all_loads_every_project_and_keeps_none_with_layers_missing(
    tmp_path: Path, projects: Path, start_qgis_server
) -> None:
    # QGIS would keep the demo with its layers missing here; the preload drops it again.
    log = started(
        start_qgis_server,
        tmp_path,
        projects,
        QGIS_STACK_PRELOAD_PROJECTS="all",
        QGIS_SERVER_IGNORE_BAD_LAYERS="true",
    )

    assert "first.qgs: preloaded in" in log
    assert "second.qgs: preloaded in" in log
    assert "unreachable.qgs: not preloaded, some layers did not load" in log


def test_names_load_those_projects_and_say_which_are_missing_or_broken(
    tmp_path: Path, projects: Path, start_qgis_server
) -> None:
    log = started(
        start_qgis_server, tmp_path, projects, QGIS_STACK_PRELOAD_PROJECTS="second, nosuch, unreachable"
    )

    assert "second.qgs: preloaded in" in log
    assert "first.qgs" not in log
    assert "no project named nosuch" in log
    assert "unreachable.qgs: not preloaded (" in log  # QGIS refuses a project with bad layers


def test_none_loads_nothing_up_front(tmp_path: Path, projects: Path, start_qgis_server) -> None:
    log = started(start_qgis_server, tmp_path, projects, QGIS_STACK_PRELOAD_PROJECTS="none")

    assert "preloaded" not in log
