"""A worker stuck on one request is killed after QGIS_WORKER_REQUEST_TIMEOUT and replaced."""

from pathlib import Path

import pytest
from docker.models.containers import Container

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.deploy.containers import health_status, last_probe_output
from stack.deploy.workers import worker_pids
from stack.harness.throwaway import plugin_folder

pytestmark = pytest.mark.docker

HANG = "SERVICE=HANG&REQUEST=Hang"


def send_in_background(container: Container, query: str) -> None:
    """A FastCGI request from inside the container that nobody waits for."""
    container.exec_run(["timeout", "60", "qgis-fcgi-request", query], detach=True)


def test_a_worker_stuck_on_a_request_is_replaced_after_the_timeout(tmp_path: Path, start_qgis_server) -> None:
    plugins = plugin_folder(
        tmp_path, REPO_ROOT / "plugins/stack_info", REPO_ROOT / "tests/fixtures/hanging_plugin"
    )
    container = start_qgis_server(plugins, QGIS_WORKER_REQUEST_TIMEOUT="3")
    assert wait_until(lambda: health_status(container) == "healthy", timeout_s=60), last_probe_output(
        container
    )
    (stuck,) = worker_pids(container)

    send_in_background(container, HANG)

    def replaced() -> bool:
        now = worker_pids(container)
        return bool(now) and stuck not in now

    assert wait_until(replaced, timeout_s=30), container.logs(tail=20).decode(errors="replace")
    log = container.logs().decode(errors="replace")
    assert f"killed worker {stuck}, busy" in log
    assert "SERVICE=HANG" in log  # the log names the request that got stuck
    assert wait_until(lambda: health_status(container) == "healthy", timeout_s=30), last_probe_output(
        container
    )
