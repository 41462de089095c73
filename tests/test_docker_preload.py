"""Each worker loads the served projects when it starts (QGIS_STACK_PRELOAD_PROJECTS), so
the first request a new worker serves does not wait for a project to load."""

from pathlib import Path

import docker
import pytest

from stack.core.settings import REPO_ROOT, Settings
from stack.core.waiting import wait_until
from stack.deploy.containers import health_status, last_probe_output, service_container
from stack.harness.throwaway import plugin_folder

pytestmark = pytest.mark.docker

# The image's own project without data sources: it loads with no PostGIS around.
HEALTH_PROJECT = "/usr/share/qgis-stack/health.qgs"


@pytest.fixture
def projects(tmp_path: Path, docker_client: docker.DockerClient, stack_settings: Settings) -> Path:
    """A projects folder with two copies of a project that needs no database."""
    content = docker_client.containers.run(
        stack_settings.image("qgis-server"), entrypoint=["cat", HEALTH_PROJECT], remove=True
    )
    folder = tmp_path / "projects"
    folder.mkdir()
    for name in ("first", "second"):
        (folder / f"{name}.qgs").write_bytes(content)
        (folder / f"{name}.qgs").chmod(0o644)
    folder.chmod(0o755)
    return folder


def started(start_qgis_server, tmp_path: Path, projects: Path, **environment: str) -> str:
    """The log of a one-worker qgis-server once it is healthy (its worker has started)."""
    plugins = plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info")
    container = start_qgis_server(plugins, projects, QGIS_SERVER_LOG_LEVEL="0", **environment)
    healthy = wait_until(lambda: health_status(container) == "healthy", timeout_s=90)
    assert healthy, last_probe_output(container)
    return container.logs().decode(errors="replace")


def test_all_loads_every_served_project_at_worker_start(
    tmp_path: Path, projects: Path, start_qgis_server
) -> None:
    log = started(start_qgis_server, tmp_path, projects, QGIS_STACK_PRELOAD_PROJECTS="all")

    assert "first.qgs: preloaded in" in log
    assert "second.qgs: preloaded in" in log
    assert "demo.qgs" not in log  # no demo volume in this container: nothing invented


def test_names_load_only_those_projects(tmp_path: Path, projects: Path, start_qgis_server) -> None:
    log = started(start_qgis_server, tmp_path, projects, QGIS_STACK_PRELOAD_PROJECTS="second")

    assert "second.qgs: preloaded in" in log
    assert "first.qgs: preloaded" not in log


def test_none_loads_nothing_up_front(tmp_path: Path, projects: Path, start_qgis_server) -> None:
    log = started(start_qgis_server, tmp_path, projects, QGIS_STACK_PRELOAD_PROJECTS="none")

    assert "preloaded" not in log


def test_an_unknown_name_is_reported_and_the_others_still_load(
    tmp_path: Path, projects: Path, start_qgis_server
) -> None:
    log = started(start_qgis_server, tmp_path, projects, QGIS_STACK_PRELOAD_PROJECTS="first, nosuch")

    assert "no project named nosuch" in log
    assert "first.qgs: preloaded in" in log


@pytest.mark.parametrize("ignore_bad_layers", ["false", "true"])
def test_a_project_whose_database_does_not_answer_is_not_kept_and_the_worker_serves(
    tmp_path: Path,
    projects: Path,
    start_qgis_server,
    docker_client: docker.DockerClient,
    stack_settings: Settings,
    ignore_bad_layers: str,
) -> None:
    # The demo's layers name the stack's pg_service, which this container does not have.
    qgis = service_container(docker_client, stack_settings.project_name, "qgis-server")
    demo = qgis.exec_run(["cat", "/srv/qgis/demo/demo.qgs"]).output
    (projects / "unreachable.qgs").write_bytes(demo)
    (projects / "unreachable.qgs").chmod(0o644)

    log = started(
        start_qgis_server,
        tmp_path,
        projects,
        QGIS_STACK_PRELOAD_PROJECTS="all",
        QGIS_SERVER_IGNORE_BAD_LAYERS=ignore_bad_layers,
    )

    assert "unreachable.qgs: not preloaded" in log
    assert "first.qgs: preloaded in" in log
