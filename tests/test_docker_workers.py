"""Process supervision: dead workers are respawned; a dead supervisor restarts the container."""

import docker
import pytest
from docker.models.containers import Container

from stack.core.settings import FCGI_PORT, FCGI_SOCKET
from stack.core.waiting import wait_until
from stack.deploy.containers import health_status, service_container
from stack.deploy.health import healthy
from stack.deploy.workers import send_signal, worker_pids
from stack.harness.handle import StackHandle

pytestmark = [pytest.mark.docker, pytest.mark.destructive]


@pytest.fixture
def qgis_server(docker_client: docker.DockerClient, stack: StackHandle) -> Container:
    assert stack.settings is not None
    return service_container(docker_client, stack.settings.project_name, "qgis-server")


def test_a_killed_worker_is_respawned_and_requests_keep_succeeding(
    qgis_server: Container, stack: StackHandle
) -> None:
    before = worker_pids(qgis_server)
    assert before, "no qgis_mapserv.fcgi workers found"
    victim = min(before)

    send_signal(qgis_server, victim, "KILL")

    def respawned() -> bool:
        now = worker_pids(qgis_server)
        return victim not in now and len(now) == len(before)

    assert wait_until(respawned, timeout_s=30), worker_pids(qgis_server)
    for _ in range(2 * len(before)):
        assert stack.get(stack.healthz_url).status_code == 200


def test_when_the_supervisor_dies_the_container_restarts_and_serves_again(
    qgis_server: Container, stack: StackHandle
) -> None:
    restarts = qgis_server.attrs["RestartCount"]

    # PID 1 passes TERM on to multiwatch (or is multiwatch, without the stderr batcher): it
    # stops its workers and exits, as a crash of it would, and the container with it.
    send_signal(qgis_server, 1, "TERM")

    def restarted_and_healthy() -> bool:
        qgis_server.reload()
        return qgis_server.attrs["RestartCount"] > restarts and health_status(qgis_server) == "healthy"

    assert wait_until(restarted_and_healthy, timeout_s=120, interval_s=1)
    assert wait_until(lambda: healthy(stack.base_url), timeout_s=30)


def test_nginx_reaches_the_workers_through_the_shared_unix_socket(
    docker_client: docker.DockerClient, stack: StackHandle, qgis_server: Container
) -> None:
    assert stack.settings is not None
    nginx = service_container(docker_client, stack.settings.project_name, "nginx")

    listing = nginx.exec_run(["stat", "-c", "%F %a %u", FCGI_SOCKET])
    assert listing.exit_code == 0, listing.output
    assert listing.output.decode().split() == ["socket", "666", "999"]
    assert f"QGIS FastCGI at unix:{FCGI_SOCKET}" in nginx.logs().decode(errors="replace")
    # No TCP listener is left for anything else on the backend network to reach.
    assert f":{FCGI_PORT:04X} " not in qgis_server.exec_run(["cat", "/proc/net/tcp"]).output.decode()
    assert stack.get(stack.healthz_url).status_code == 200
