"""QGIS_WORKER_MAX_REQUESTS: a worker ends after that many requests, once its response is
complete, and a fresh one takes its place; no request fails on the way."""

from pathlib import Path

import pytest

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.deploy.containers import health_status
from stack.deploy.workers import worker_pids
from stack.harness.throwaway import healthy, plugin_folder

pytestmark = pytest.mark.docker

CAPABILITIES = "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities"


def test_a_worker_is_replaced_after_its_requests_and_every_answer_is_whole(
    tmp_path: Path, start_qgis_server
) -> None:
    plugins = plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info")
    container = start_qgis_server(plugins, QGIS_WORKER_MAX_REQUESTS="5")
    healthy(container, timeout_s=90)
    (first,) = worker_pids(container)
    answers: list[bytes] = []

    def replaced() -> bool:
        # One request at a time straight to the worker, as nginx would send it.
        answers.append(container.exec_run(["qgis-fcgi-request", CAPABILITIES]).output)
        return bool(worker_pids(container)) and first not in worker_pids(container)

    # A worker lives at least 15 s (multiwatch would count a quicker exit as a failed start).
    assert wait_until(replaced, timeout_s=90, interval_s=0.2), f"{len(answers)} requests, still pid {first}"
    assert len(answers) >= 5
    assert all(b"</WMS_Capabilities>" in answer for answer in answers)
    assert health_status(container) == "healthy"
