"""Simulated Swarm nodes for `make swarm-test`: docker-in-docker containers (every capability
the host engine has) on
a bridge network of their own, each with its own /var/lib/docker volume. The host reaches
each node's engine through a unix socket in a host folder (no TCP port), and each node
publishes its HTTPS and HTTP ports on 127.0.0.1 only. The host's own engine never joins
a swarm.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import NotFound

from stack.core.console import say
from stack.core.errors import StackError
from stack.core.waiting import wait_until
from stack.deploy.swarm.engine import Engine

NODE_IMAGE_DIR = Path(__file__).resolve().parents[3] / "swarm" / "node"
SOCKET_DIR_IN_NODE = "/run/qgis-stack-node"
ENGINE_START_TIMEOUT_S = 60


@dataclass(frozen=True)
class SimulatedNode:
    name: str  # container name, also its hostname
    socket_dir: Path
    https_port: int  # 127.0.0.1:<port> → the node's 443
    http_port: int  # 127.0.0.1:<port> → the node's 80

    @property
    def engine(self) -> Engine:
        return Engine(f"unix://{self.socket_dir / 'docker.sock'}")

    @property
    def volume(self) -> str:
        return f"{self.name}-docker"


@dataclass(frozen=True)
class NodeSet:
    prefix: str  # e.g. qgis-stack-swarm: nodes are <prefix>-node-1, -2, …
    root: Path  # where the socket folders live
    first_port: int
    count: int = 2

    @property
    def network(self) -> str:
        return f"{self.prefix}-nodes"

    @property
    def image(self) -> str:
        return f"{self.prefix}/swarm-node:trixie"

    @property
    def nodes(self) -> list[SimulatedNode]:
        return [
            SimulatedNode(
                name=f"{self.prefix}-node-{i}",
                socket_dir=self.root / f"node-{i}",
                https_port=self.first_port + 2 * (i - 1),
                http_port=self.first_port + 2 * (i - 1) + 1,
            )
            for i in range(1, self.count + 1)
        ]


def _client() -> docker.DockerClient:
    # Always the host's engine: a DOCKER_HOST aimed at a node must not start nodes inside it.
    return docker.DockerClient(base_url="unix:///var/run/docker.sock", timeout=300)


def _host_docker(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    return Engine().run(*args, env=env)


def build_node_image(nodes: NodeSet) -> None:
    client = _client()
    try:
        client.images.get(nodes.image)
        return
    except docker.errors.ImageNotFound:
        pass
    say(f"building the simulated node image {nodes.image} (Debian docker.io)")
    client.images.build(path=str(NODE_IMAGE_DIR), tag=nodes.image, rm=True)


def start_nodes(nodes: NodeSet) -> None:
    client = _client()
    build_node_image(nodes)
    try:
        client.networks.get(nodes.network)
    except NotFound:
        client.networks.create(nodes.network, driver="bridge", labels={"qgis-stack.swarm-test": nodes.prefix})
    for node in nodes.nodes:
        node.socket_dir.mkdir(parents=True, exist_ok=True)
        try:
            container = client.containers.get(node.name)
            if container.status != "running":
                container.start()
            continue
        except NotFound:
            pass
        say(f"starting simulated node {node.name} (HTTPS on 127.0.0.1:{node.https_port})")
        # The CLI, not the SDK: the SDK cannot unmask /proc (systempaths=unconfined).
        _host_docker(
            "run",
            "--detach",
            "--name",
            node.name,
            "--hostname",
            node.name,
            "--network",
            nodes.network,
            "--label",
            f"qgis-stack.swarm-test={nodes.prefix}",
            # Not privileged: see swarm/node/entrypoint.sh (the host lacks CAP_SYS_RESOURCE).
            "--cap-add",
            "ALL",
            "--cap-drop",
            "SYS_RESOURCE",
            "--cgroupns",
            "private",
            "--security-opt",
            "seccomp=unconfined",
            "--security-opt",
            "apparmor=unconfined",
            "--security-opt",
            "systempaths=unconfined",
            "--device-cgroup-rule",
            "a *:* rwm",
            "--volume",
            f"{node.volume}:/var/lib/docker",
            "--volume",
            f"{node.socket_dir}:{SOCKET_DIR_IN_NODE}",
            "--publish",
            f"127.0.0.1:{node.https_port}:443",
            "--publish",
            f"127.0.0.1:{node.http_port}:80",
            nodes.image,
        )
    for node in nodes.nodes:
        if not wait_until(lambda n=node: n.engine.ok("info"), ENGINE_START_TIMEOUT_S):
            logs = client.containers.get(node.name).logs(tail=30).decode(errors="replace")
            raise StackError(
                f"the engine in {node.name} did not start within {ENGINE_START_TIMEOUT_S} s:\n{logs}"
            )


def node_address(nodes: NodeSet, node: SimulatedNode) -> str:
    container = _client().containers.get(node.name)
    return container.attrs["NetworkSettings"]["Networks"][nodes.network]["IPAddress"]


def gateway_address(nodes: NodeSet) -> str:
    """The address the host has on the nodes' network: clients on the host appear from it."""
    network = _client().networks.get(nodes.network)
    return network.attrs["IPAM"]["Config"][0]["Gateway"]


def join_workers(nodes: NodeSet) -> None:
    """Node 1 is the manager (it must be in a swarm already); the others join as workers."""
    manager = nodes.nodes[0]
    token = manager.engine.run("swarm", "join-token", "--quiet", "worker").strip()
    address = node_address(nodes, manager)
    for node in nodes.nodes[1:]:
        if node.engine.swarm_state() == "active":
            continue
        say(f"{node.name} joins the swarm of {manager.name} as a worker")
        node.engine.run("swarm", "join", "--token", token, f"{address}:2377")


def stop_node(node: SimulatedNode) -> float:
    started = time.monotonic()
    _client().containers.get(node.name).stop(timeout=10)
    return time.monotonic() - started


def start_node(node: SimulatedNode) -> None:
    _client().containers.get(node.name).start()
    if not wait_until(lambda: node.engine.ok("info"), ENGINE_START_TIMEOUT_S):
        raise StackError(f"the engine in {node.name} did not come back within {ENGINE_START_TIMEOUT_S} s")


def remove_nodes(nodes: NodeSet) -> None:
    """Containers, their engine volumes and the network: everything start_nodes made."""
    client = _client()
    for node in nodes.nodes:
        with contextlib.suppress(NotFound):
            client.containers.get(node.name).remove(force=True)
        with contextlib.suppress(NotFound):
            client.volumes.get(node.volume).remove(force=True)
    with contextlib.suppress(NotFound):
        client.networks.get(nodes.network).remove()
