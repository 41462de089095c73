"""The workers' stderr reaches Docker's log through qgis-stderr-batcher in batches
(QGIS_STACK_LOG_BATCH_MS, stderr-batcher.c), or line by line with 0. Either way every
request's log line arrives, the container's first process passes Docker's stop on to the
workers, and the lines of the requests answered right before a stop are not lost. What the
batching gains is measured by `make bench` (the floor). The stack's containers rotate their
logs (STACK_LOG_MAX_SIZE, STACK_LOG_MAX_FILES)."""

import json
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.deploy.containers import service_container
from stack.harness.handle import StackHandle
from stack.harness.throwaway import healthy, plugin_folder

pytestmark = pytest.mark.docker

REQUESTS = 30


def first_process(container: Container) -> str:
    return container.exec_run(["cat", "/proc/1/cmdline"]).output.split(b"\0")[0].decode()


def logged_markers(container: Container) -> set[str]:
    """The LAYERS of every request-log line (one JSON object per line)."""
    markers = set()
    for line in container.logs(stdout=False, stderr=True).decode(errors="replace").splitlines():
        if line.startswith("{") and '"layers"' in line:
            markers.update(json.loads(line)["layers"])
    return markers


# A batch of a second: the last requests' lines are still in the pipe when the stop comes.
@pytest.mark.parametrize(
    ("batch_ms", "first"), [("1000", "qgis-stderr-batcher"), ("0", "/usr/bin/multiwatch")]
)
def test_every_request_line_reaches_the_log_also_when_the_container_stops_right_after(
    tmp_path: Path, start_qgis_server, batch_ms: str, first: str
) -> None:
    plugins = plugin_folder(
        tmp_path, REPO_ROOT / "plugins/stack_info", REPO_ROOT / "plugins/stack_request_log"
    )
    container = start_qgis_server(plugins, QGIS_STACK_LOG_BATCH_MS=batch_ms)
    healthy(container, timeout_s=90)
    assert first_process(container) == first

    # Each request names a made-up layer, which the request log records.
    sent = {f"marker-{i}" for i in range(REQUESTS)}
    loop = (
        f"for i in $(seq 0 {REQUESTS - 1}); do "
        'qgis-fcgi-request "SERVICE=STACKINFO&REQUEST=GetInfo&LAYERS=marker-$i" >/dev/null || exit 1; done'
    )
    result = container.exec_run(["bash", "-c", loop])
    assert result.exit_code == 0, result.output
    container.stop(timeout=30)

    assert container.wait(timeout=60)["StatusCode"] == 0
    assert logged_markers(container) >= sent, sorted(sent - logged_markers(container))


def test_a_line_reaches_the_log_while_the_workers_are_idle(tmp_path: Path, start_qgis_server) -> None:
    """A batch is passed on without waiting for more lines."""
    plugins = plugin_folder(
        tmp_path, REPO_ROOT / "plugins/stack_info", REPO_ROOT / "plugins/stack_request_log"
    )
    container = start_qgis_server(plugins, QGIS_STACK_LOG_BATCH_MS="200")
    healthy(container, timeout_s=90)
    result = container.exec_run(["qgis-fcgi-request", "SERVICE=STACKINFO&REQUEST=GetInfo&LAYERS=alone"])
    assert result.exit_code == 0, result.output
    assert wait_until(lambda: "alone" in logged_markers(container), timeout_s=5)


@pytest.mark.parametrize("service", ["postgis", "qgis-server", "nginx"])
def test_the_stacks_logs_are_rotated_as_the_settings_say(
    docker_client: docker.DockerClient, stack: StackHandle, service: str
) -> None:
    assert stack.settings is not None
    container = service_container(docker_client, stack.settings.project_name, service)
    limits = dict(stack.settings.limits)

    assert container.attrs["HostConfig"]["LogConfig"] == {
        "Type": "json-file",
        "Config": {"max-size": limits["STACK_LOG_MAX_SIZE"], "max-file": limits["STACK_LOG_MAX_FILES"]},
    }
