"""/healthz: a real request through FastCGI to a QGIS worker, with every plugin loaded.

The public gets the verdict only; the full report (version, plugins, paths, pids) goes to
the addresses of STACK_INFO_ALLOW, which the harness reads from inside the nginx container.
"""

import pytest

from stack.harness.handle import StackHandle
from stack.harness.stack_info import stack_report


@pytest.mark.smoke
def test_healthz_tells_the_public_the_verdict_and_nothing_else(stack: StackHandle) -> None:
    response = stack.get(stack.healthz_url)

    assert response.status_code == 200, response.text
    assert response.json() == {"healthy": True}


@pytest.mark.docker
def test_the_full_report_shows_a_healthy_worker_with_the_stack_info_plugin(stack: StackHandle) -> None:
    report = stack_report(stack)

    assert report["healthy"] is True
    assert "stack_info" in report["plugins"]["loaded"]
    assert report["plugins"]["failed"] == []
    assert report["worker"]["pid"] > 0


@pytest.mark.docker
def test_healthz_runs_the_qgis_version_that_was_asked_for(stack: StackHandle) -> None:
    assert stack.settings is not None
    report = stack_report(stack)

    assert report["qgis_version"].startswith(stack.settings.release.package_version)


@pytest.mark.smoke
def test_every_response_carries_a_request_id_and_keeps_the_clients_one(stack: StackHandle) -> None:
    made = stack.get(stack.healthz_url, headers={"X-Request-Id": None})
    kept = stack.get(stack.healthz_url, headers={"X-Request-Id": "test-1234"})

    assert len(made.headers["X-Request-Id"]) >= 16
    assert kept.headers["X-Request-Id"] == "test-1234"
