"""The workers carry the fix for QGIS's 10 ms wait per request (qgis-server/socket-monitor-fix.c)
unless QGIS_STACK_SOCKET_MONITOR_FIX=0; what it gains is measured by `make bench`."""

from pathlib import Path

import pytest
from docker.models.containers import Container

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.deploy.containers import health_status, last_probe_output
from stack.deploy.workers import worker_pids
from stack.harness.throwaway import plugin_folder

pytestmark = pytest.mark.docker

LIBRARY = "libqgis-socket-monitor-fix.so"


def workers_with_the_fix(container: Container) -> dict[int, bool]:
    return {
        pid: LIBRARY in container.exec_run(["cat", f"/proc/{pid}/maps"]).output.decode(errors="replace")
        for pid in worker_pids(container)
    }


@pytest.mark.parametrize(("setting", "loaded"), [("1", True), ("0", False)])
def test_every_worker_has_the_fix_exactly_when_it_is_on(
    tmp_path: Path, start_qgis_server, setting: str, loaded: bool
) -> None:
    container = start_qgis_server(
        plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info"),
        QGIS_WORKERS="2",
        QGIS_STACK_SOCKET_MONITOR_FIX=setting,
    )
    assert wait_until(lambda: health_status(container) == "healthy", timeout_s=90), last_probe_output(
        container
    )

    workers = workers_with_the_fix(container)

    assert len(workers) == 2
    assert set(workers.values()) == {loaded}
