"""stack_request_log: one JSON line per request in the QGIS log, with nginx's request id."""

import json
import uuid

import docker
import pytest

from stack.core.waiting import wait_until
from stack.deploy.containers import service_container
from stack.harness.handle import StackHandle
from tests.demo import WORLD_COUNTRIES_GETMAP

pytestmark = pytest.mark.docker


def getmap() -> dict[str, str]:
    """A GetMap nginx's tile cache has not stored (a hit never reaches QGIS or its log)."""
    return {**WORLD_COUNTRIES_GETMAP, "SALT": uuid.uuid4().hex}


def logged_request(docker_client: docker.DockerClient, stack: StackHandle, request_id: str) -> dict | None:
    assert stack.settings is not None
    container = service_container(docker_client, stack.settings.project_name, "qgis-server")
    for line in container.logs(tail=500).decode(errors="replace").splitlines():
        if request_id in line and line.startswith("{"):
            return json.loads(line)
    return None


def test_the_clients_request_id_is_in_the_qgis_log_with_the_request(
    docker_client: docker.DockerClient, stack: StackHandle
) -> None:
    request_id = f"test-{uuid.uuid4().hex}"
    response = stack.get(stack.ows_url(), params=getmap(), headers={"X-Request-Id": request_id})
    assert response.status_code == 200

    assert wait_until(lambda: logged_request(docker_client, stack, request_id) is not None, timeout_s=10)
    entry = logged_request(docker_client, stack, request_id)
    assert entry is not None
    assert entry["service"] == "WMS"
    assert entry["request"] == "GetMap"
    assert entry["project"] == "demo"
    assert entry["layers"] == ["countries"]
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0


def test_a_request_without_an_id_is_logged_under_the_one_nginx_made(
    docker_client: docker.DockerClient, stack: StackHandle
) -> None:
    response = stack.get(stack.ows_url(), params=getmap(), headers={"X-Request-Id": None})
    made_by_nginx = response.headers["X-Request-Id"]

    assert wait_until(lambda: logged_request(docker_client, stack, made_by_nginx) is not None, timeout_s=10)
