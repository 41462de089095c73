"""Defence in depth: the QGIS container reaches PostGIS and nothing else a request can name.

qgis-server and PostGIS sit on an `internal` network with no route out; nginx alone is on
both it and the published frontend network. A listener on the frontend network's gateway
(the host side of this stack's own bridge) stands for any address outside: nginx can reach
it, QGIS cannot, and no request sent through nginx makes anything arrive there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import docker
import pytest

from stack.deploy.containers import service_container
from stack.harness.handle import StackHandle
from stack.harness.ows import get_verbatim
from stack.security.refusals import load_rules

pytestmark = pytest.mark.docker

CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
except OSError as error:
    print("refused:", error)
    sys.exit(1)
print("connected")
"""


class Listener:
    def __init__(self, address: str) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Record(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((address, 0), Record)
        self.address, self.port = address, self.server.server_address[1]
        self.url = f"http://{address}:{self.port}"


@pytest.fixture(scope="module")
def frontend_gateway(stack: StackHandle, docker_client: docker.DockerClient) -> str:
    assert stack.settings is not None
    network = docker_client.networks.get(f"{stack.settings.project_name}_frontend")
    return network.attrs["IPAM"]["Config"][0]["Gateway"]


@pytest.fixture
def listener(frontend_gateway: str) -> Iterator[Listener]:
    listener = Listener(frontend_gateway)
    thread = threading.Thread(target=listener.server.serve_forever, daemon=True)
    thread.start()
    yield listener
    listener.server.shutdown()
    listener.server.server_close()


def connect_from(docker_client: docker.DockerClient, stack: StackHandle, service: str, host: str, port: int):
    assert stack.settings is not None
    container = service_container(docker_client, stack.settings.project_name, service)
    return container.exec_run(["python3", "-c", CONNECT, host, str(port)])


def test_the_listener_is_reachable_from_nginx_so_the_next_tests_mean_something(
    stack: StackHandle, docker_client: docker.DockerClient, listener: Listener
) -> None:
    assert stack.settings is not None
    nginx = service_container(docker_client, stack.settings.project_name, "nginx")
    result = nginx.exec_run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", f"{listener.url}/from-nginx"]
    )

    assert result.output == b"204", result.output
    assert listener.hits == ["/from-nginx"]


def test_qgis_cannot_reach_an_address_outside_the_stack(
    stack: StackHandle, docker_client: docker.DockerClient, listener: Listener
) -> None:
    result = connect_from(docker_client, stack, "qgis-server", listener.address, listener.port)

    assert result.exit_code == 1, result.output
    assert listener.hits == []


def test_qgis_still_reaches_postgis(stack: StackHandle, docker_client: docker.DockerClient) -> None:
    result = connect_from(docker_client, stack, "qgis-server", "postgis", 5432)

    assert result.exit_code == 0, result.output


def test_no_request_through_nginx_makes_anything_reach_the_listener(
    stack: StackHandle, listener: Listener
) -> None:
    target = quote(f"{listener.url}/ssrf")
    queries = [e.query.replace("http://127.0.0.1:9", target) for r in load_rules() for e in r.examples]
    queries += [
        f"SERVICE=WMS&REQUEST=GetMap&LAYERS=%45XTERNAL_WMS:x&x:url={target}",
        f"SERVICE=WMS&REQUEST=GetPrint&TEMPLATE=world&map0:LAYERS=EXTERNAL_WMS:x&x:url={target}",
    ]
    for query in queries:
        get_verbatim(f"{stack.ows_url()}?{query}", stack)
        stack.post(
            stack.ows_url(),
            data=query.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    assert listener.hits == []
