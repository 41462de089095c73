"""The workers carry each library the stack preloads exactly when it is on: the fix for
QGIS's 10 ms wait per request (QGIS_STACK_SOCKET_MONITOR_FIX, socket-monitor-fix.c) and the
fixed order in which idle workers take requests (QGIS_STACK_ACCEPT_PRIORITY,
accept-priority.c). What they gain is measured by `make bench`."""

import json
from pathlib import Path

import pytest
from docker.models.containers import Container

from stack.core.settings import REPO_ROOT
from stack.deploy.workers import worker_pids
from stack.harness.throwaway import healthy, plugin_folder

pytestmark = pytest.mark.docker

LIBRARIES = {
    "QGIS_STACK_SOCKET_MONITOR_FIX": "libqgis-socket-monitor-fix.so",
    "QGIS_STACK_ACCEPT_PRIORITY": "libqgis-accept-priority.so",
}
STACK_INFO = "SERVICE=STACKINFO&REQUEST=GetInfo"


def libraries_per_worker(container: Container) -> dict[int, set[str]]:
    def loaded(pid: int) -> set[str]:
        maps = container.exec_run(["cat", f"/proc/{pid}/maps"]).output.decode(errors="replace")
        return {library for library in LIBRARIES.values() if library in maps}

    return {pid: loaded(pid) for pid in worker_pids(container)}


def worker_that_answers(container: Container) -> int:
    """One FastCGI request straight to the workers, as nginx sends it; the worker's pid
    from the stack_info report it answers with."""
    answer = container.exec_run(["qgis-fcgi-request", STACK_INFO]).output.decode(errors="replace")
    _, _, body = answer.partition("\n{")
    return json.loads("{" + body)["worker"]["pid"]


@pytest.mark.parametrize(
    ("fix", "priority"),
    [("1", "1"), ("1", "0"), ("0", "1"), ("0", "0")],
)
def test_workers_load_the_libraries_that_are_on_and_requests_one_at_a_time_go_where_they_say(
    tmp_path: Path, start_qgis_server, fix: str, priority: str
) -> None:
    container = start_qgis_server(
        plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info"),
        QGIS_WORKERS="2",
        QGIS_STACK_SOCKET_MONITOR_FIX=fix,
        QGIS_STACK_ACCEPT_PRIORITY=priority,
    )
    healthy(container, timeout_s=90)
    settings = {"QGIS_STACK_SOCKET_MONITOR_FIX": fix, "QGIS_STACK_ACCEPT_PRIORITY": priority}
    expected = {LIBRARIES[name] for name, value in settings.items() if value == "1"}

    workers = libraries_per_worker(container)
    answered_by = [worker_that_answers(container) for _ in range(12)]

    assert len(workers) == 2
    assert all(loaded == expected for loaded in workers.values()), workers
    assert set(answered_by) <= set(workers)
    # libfcgi's accept() takes turns; with the priority, an idle first worker takes all.
    assert len(set(answered_by)) == (1 if priority == "1" else 2), answered_by
