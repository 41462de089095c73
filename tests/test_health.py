"""/healthz: a real request through FastCGI to a QGIS worker, with every plugin loaded."""

import pytest

from stack.harness.handle import StackHandle


@pytest.mark.smoke
def test_healthz_reports_a_healthy_worker_with_the_stack_info_plugin(stack: StackHandle) -> None:
    response = stack.get(stack.healthz_url)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["healthy"] is True
    assert "stack_info" in report["plugins"]["loaded"]
    assert report["plugins"]["failed"] == []
    assert report["worker"]["pid"] > 0


@pytest.mark.smoke
def test_healthz_runs_the_qgis_version_that_was_asked_for(stack: StackHandle) -> None:
    if stack.settings is None:
        pytest.skip("remote stack: no expected version")
    report = stack.get(stack.healthz_url).json()

    assert report["qgis_version"].startswith(stack.settings.release.package_version)


@pytest.mark.smoke
def test_every_response_carries_a_request_id_and_keeps_the_clients_one(stack: StackHandle) -> None:
    made = stack.get(stack.healthz_url, headers={"X-Request-Id": None})
    kept = stack.get(stack.healthz_url, headers={"X-Request-Id": "test-1234"})

    assert len(made.headers["X-Request-Id"]) >= 16
    assert kept.headers["X-Request-Id"] == "test-1234"
