"""/metrics only for the addresses in STACK_METRICS_ALLOW: nginx decides by the client's
address (never by a header the client sends), and refuses a setting it cannot read."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import docker
import pytest
from docker.models.containers import Container

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.harness.handle import StackHandle

pytestmark = pytest.mark.docker


@pytest.fixture
def nginx_allowing(
    docker_client: docker.DockerClient, stack: StackHandle
) -> Iterator[Callable[[str], Container]]:
    """Throwaway nginx containers of the stack's image with a given STACK_METRICS_ALLOW."""
    assert stack.settings is not None
    started: list[Container] = []

    def start(allow: str) -> Container:
        container = docker_client.containers.run(
            stack.settings.image("nginx"),
            name=f"{stack.settings.project_name}-metrics-acl-{uuid.uuid4().hex[:8]}",
            detach=True,
            environment={"STACK_METRICS_ALLOW": allow, "QGIS_FCGI_ADDRESS": "qgis-server:9993"},
            volumes={
                str(REPO_ROOT / "access"): {"bind": "/etc/qgis-stack/access", "mode": "ro"},
                str(stack.settings.secrets_dir / "htpasswd"): {
                    "bind": "/etc/qgis-stack/htpasswd",
                    "mode": "ro",
                },
            },
            read_only=True,
            tmpfs={"/tmp": ""},
            labels={"qgis-stack.test": "throwaway"},
        )
        started.append(container)
        return container

    yield start
    for container in started:
        container.remove(force=True)


def status_from_inside(container: Container, *headers: str) -> str:
    """GET /metrics from inside the container: the client address is 127.0.0.1."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"]
    for header in headers:
        command += ["-H", header]
    return container.exec_run([*command, "http://127.0.0.1:8080/metrics"]).output.decode()


def serving(container: Container) -> bool:
    # The entrypoint logs "serving" just before it execs nginx: wait for nginx to answer too.
    container.reload()
    if container.status != "running" or b"serving on :8080" not in container.logs():
        return False
    return status_from_inside(container) != "000"


def test_an_address_not_listed_gets_403_whatever_it_claims(nginx_allowing):
    container = nginx_allowing("192.0.2.10 10.11.12.0/24")
    assert wait_until(lambda: serving(container), timeout_s=30), container.logs().decode()
    assert status_from_inside(container) == "403"
    assert status_from_inside(container, "X-Forwarded-For: 192.0.2.10", "X-Real-IP: 192.0.2.10") == "403"


def test_a_listed_address_passes_to_the_exporter(nginx_allowing):
    container = nginx_allowing("127.0.0.1")
    assert wait_until(lambda: serving(container), timeout_s=30), container.logs().decode()
    # No QGIS container behind this nginx: past the address check, the proxy fails (502).
    assert status_from_inside(container) == "502"


def test_an_unreadable_setting_stops_nginx_with_a_message(nginx_allowing):
    container = nginx_allowing("127.0.0.1; allow all")

    def exited() -> bool:
        container.reload()
        return container.status == "exited"

    assert wait_until(exited, timeout_s=30)
    assert container.attrs["State"]["ExitCode"] == 64
    assert "STACK_METRICS_ALLOW must list addresses" in container.logs().decode()
