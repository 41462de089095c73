"""What the bench measures: this stack through nginx, and peers started only by the bench
in their own containers. Every peer is a clone of the stack's qgis-server container (same
image base, environment, project, plugins, PostGIS network); only the server in front of
QGIS differs.

Every HTTP target is asked at its container's own address, not at its port published on
127.0.0.1: there Docker's userland proxy (docker-proxy) copies each byte through a host
process whose CPU no container is charged for (about 30 ms per 1.5 MB WFS answer on this
machine), which would tax every server by the size of its answers."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

import docker
import requests
from docker.models.containers import Container

from stack.bench.workloads import CAPABILITIES, ROLE
from stack.core.settings import ROLE_HEADER, Settings
from stack.core.waiting import wait_until
from stack.deploy import lifecycle
from stack.deploy.containers import service_container
from stack.deploy.tile_cache import CACHE_BYPASS
from stack.provision.secrets import demo_user_passwords

DEMO_PROJECT = "/srv/qgis/demo/demo.qgs"
PEER_PORT = 8080  # inside the peer containers
READY_TIMEOUT_S = 180
PRELOAD_SETTING = "QGIS_STACK_PRELOAD_PROJECTS"
BENCH_LABEL = "qgis-stack.bench"


@dataclass
class Target:
    name: str
    base_url: str  # scheme://host:port
    prefix: str  # path (and query) before the workload's own query string
    container_ids: list[str]  # whose CPU the requests cost (PostGIS is left out everywhere)
    restart: Callable[[], None]  # back to fresh workers, ready to serve
    max_concurrency: int | None = None  # qgis_mapserver serves one request at a time
    versions: tuple[str, ...] = ()  # empty: every QGIS version
    container: Container | None = field(default=None, repr=False)
    headers: dict[str, str] = field(default_factory=dict)  # sent with every request
    only_workloads: tuple[str, ...] = ()  # empty: every workload

    def url(self, query: str) -> str:
        return f"{self.base_url}{self.path(query)}"

    def path(self, query: str) -> str:
        joiner = "&" if "?" in self.prefix else "?"
        return f"{self.prefix}{joiner}{query}"


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=30).status_code == 200
    except requests.RequestException:
        return False


def exited(target: Target) -> bool:
    if target.container is None:
        return False
    target.container.reload()
    return target.container.status == "exited"


def wait_ready(target: Target) -> None:
    ready = lambda: exited(target) or answers(target.url(CAPABILITIES))  # noqa: E731
    if not wait_until(ready, READY_TIMEOUT_S, interval_s=0.3) or exited(target):
        logs = target.container.logs(tail=30).decode(errors="replace") if target.container else ""
        raise RuntimeError(f"{target.name} did not answer GetCapabilities within {READY_TIMEOUT_S} s\n{logs}")


def published_network(client: docker.DockerClient, settings: Settings) -> str:
    """The network of nginx that is not internal: the one its port is published on."""
    nginx = service_container(client, settings.project_name, "nginx")
    for name in nginx.attrs["NetworkSettings"]["Networks"]:
        if not client.networks.get(name).attrs.get("Internal"):
            return name
    raise RuntimeError("nginx is on no network that can publish ports")


def container_url(container: Container, network: str) -> str:
    """http://<address on network>:<the container port that is published>."""
    container.reload()
    published = [p for p, bound in container.attrs["NetworkSettings"]["Ports"].items() if bound]
    if len(published) != 1:
        raise RuntimeError(f"{container.name} publishes {len(published)} ports, expected one")
    address = container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
    return f"http://{address}:{published[0].split('/')[0]}"


def stack_target(client: docker.DockerClient, settings: Settings) -> Target:
    def restart() -> None:
        service_container(client, settings.project_name, "qgis-server").restart()
        if not lifecycle.wait_until_healthy(settings):
            raise RuntimeError("qgis-server did not come back after a restart")

    ids = [service_container(client, settings.project_name, s).id for s in ("nginx", "qgis-server")]
    # Signed in as the demo user of the bench's role (users.map maps the user to the role),
    # and past the tile cache: QGIS renders every request, like the peers.
    auth = base64.b64encode(f"{ROLE}:{demo_user_passwords(settings)[ROLE]}".encode()).decode()
    nginx = service_container(client, settings.project_name, "nginx")
    return Target(
        "stack (nginx)",
        container_url(nginx, published_network(client, settings)),
        "/ows/demo",
        ids,
        restart,
        headers={"Authorization": f"Basic {auth}", **CACHE_BYPASS},
    )


def cached_stack_target(stack: Target, tile_workloads: tuple[str, ...]) -> Target:
    """The stack with its tile cache (same role): after the warm-up every tile is a hit."""
    return Target(
        "stack, tile cache hits",
        stack.base_url,
        stack.prefix,
        stack.container_ids,
        stack.restart,
        headers={name: value for name, value in stack.headers.items() if name not in CACHE_BYPASS},
        only_workloads=tile_workloads,
    )


@dataclass(frozen=True)
class PeerSpec:
    name: str
    image_target: str  # stage of stack/bench/images/Dockerfile, or "" for the qgis-server image
    command: list[str]
    prefix: str
    env: dict[str, str]
    max_concurrency: int | None = None
    versions: tuple[str, ...] = ()


def peer_specs(workers: int) -> list[PeerSpec]:
    apache = ["bench-apache"]
    fcgi = "/cgi-bin/qgis_mapserv.fcgi"
    return [
        PeerSpec("apache mod_fcgid (docs)", "apache", apache, fcgi, {"BENCH_FCGID_PROCESSES": ""}),
        PeerSpec("apache mod_fcgid (tuned)", "apache", apache, fcgi, {"BENCH_FCGID_PROCESSES": str(workers)}),
        PeerSpec(
            "py-qgis-server 1.9.6",
            "py-qgis-server",
            [
                "/opt/py-qgis-server/bin/qgisserver",
                "-b",
                "0.0.0.0",
                "-p",
                str(PEER_PORT),
                "-w",
                str(workers),
                "--rootdir",
                "/srv/qgis/demo",
            ],
            "/ows/?MAP=demo.qgs",
            # It takes one plugin folder, and MAP (its only way to name a project) is what
            # the stack's built-in stack_guard refuses: it gets the mounted plugins only.
            {"QGSRV_SERVER_PLUGINPATH": "/srv/qgis/plugins"},
            versions=("3.40", "3.44"),
        ),
        PeerSpec(
            "qgis_mapserver",
            "",
            ["qgis_mapserver", "-l", "1", "-p", DEMO_PROJECT, f"0.0.0.0:{PEER_PORT}"],
            "/ows/demo",
            {},
            max_concurrency=1,
        ),
    ]


def image_setting(env: list[str], name: str) -> str:
    for entry in env:
        if entry.startswith(f"{name}="):
            return entry.split("=", 1)[1]
    raise RuntimeError(f"the qgis-server container has no {name}: is it this checkout's image?")


class Peers:
    """Starts and removes the bench's peer containers (named <project>-bench-<n>)."""

    def __init__(
        self, client: docker.DockerClient, settings: Settings, image_of: Callable[[str], str]
    ) -> None:
        self.client = client
        self.settings = settings
        self.image_of = image_of
        self.source = service_container(client, settings.project_name, "qgis-server")
        self.postgis = service_container(client, settings.project_name, "postgis")
        self.started: list[Container] = []

    def clone_kwargs(self) -> dict:
        attrs = self.source.attrs
        volumes = {
            (m["Name"] if m["Type"] == "volume" else m["Source"]): {
                "bind": m["Destination"],
                "mode": "rw" if m.get("RW") else "ro",
            }
            for m in attrs["Mounts"]
        }
        network = next(iter(attrs["NetworkSettings"]["Networks"]))
        return {"volumes": volumes, "network": network, "environment": list(attrs["Config"]["Env"])}

    def start(self, spec: PeerSpec, index: int, host_port: int) -> Target:
        kwargs = self.clone_kwargs()
        env = kwargs.pop("environment") + [f"{k}={v}" for k, v in spec.env.items()]
        env += [
            f"BENCH_PROJECT_FILE={DEMO_PROJECT}",
            # Servers that take one plugin folder still find the image's stack_plugin_kit.
            f"PYTHONPATH={image_setting(env, 'QGIS_STACK_BUILTIN_PLUGINS')}",
            # The peers are QGIS as it comes: projects load on first use.
            f"{PRELOAD_SETTING}=none",
        ]
        image = self.image_of(spec.image_target)
        # qgis-server's own network is internal, and Docker publishes no port of a container
        # on internal networks only: the peer starts on nginx's outward network, with its
        # port, and joins qgis-server's network (PostGIS) before it starts. Unlike the
        # stack's workers a peer could thus reach outside; the bench sends it only the demo.
        backend = kwargs.pop("network")
        published = published_network(self.client, self.settings)
        container = self.client.containers.create(
            image,
            spec.command,
            name=f"{self.settings.project_name}-bench-{index}",
            labels={BENCH_LABEL: self.settings.project_name, "qgis-stack.bench.peer": spec.name},
            environment=env,
            ports={f"{PEER_PORT}/tcp": ("127.0.0.1", host_port)},
            tmpfs={"/tmp": ""},
            healthcheck={"test": ["NONE"]},
            network=published,
            **kwargs,
        )
        self.started.append(container)
        self.client.networks.get(backend).connect(container)
        container.start()

        def restart() -> None:
            container.restart(timeout=5)

        target = Target(
            spec.name,
            container_url(container, published),
            spec.prefix,
            [container.id],
            restart,
            spec.max_concurrency,
            spec.versions,
            container,
            # No nginx in front: the role goes to QGIS as nginx would pass it.
            headers={ROLE_HEADER: ROLE},
        )
        wait_ready(target)
        return target

    def remove_all(self) -> None:
        for container in self.client.containers.list(all=True, filters={"label": BENCH_LABEL}):
            if container.labels.get(BENCH_LABEL) == self.settings.project_name:
                container.remove(force=True)
        self.started.clear()
