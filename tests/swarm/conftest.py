"""A two-node Swarm of simulated nodes (docker-in-docker on the host's engine), with the
stack deployed by the same code as `make deploy`. Made once per session and removed at the
end (SWARM_TEST_KEEP=1 keeps it for a look or a rerun)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stack.core.settings import REPO_ROOT, load
from stack.deploy.swarm import deploy as swarm
from stack.deploy.swarm.engine import Engine
from stack.deploy.swarm.nodes import NodeSet, gateway_address, join_workers, remove_nodes, start_nodes
from stack.deploy.swarm.settings import DeploySettings, load_deploy


@dataclass(frozen=True)
class Cluster:
    nodes: NodeSet
    settings: DeploySettings
    deploy_seconds: float

    @property
    def manager(self) -> Engine:
        return self.nodes.nodes[0].engine

    @property
    def ca(self) -> str:
        return str(self.settings.ca_file)

    def url(self, node: int = 0) -> str:
        return f"https://127.0.0.1:{self.nodes.nodes[node].https_port}"

    def service(self, name: str) -> str:
        return f"{self.settings.stack_name}_{name}"


def _env_file(nodes: NodeSet, path: Path, image_repo: str) -> None:
    manager, *workers = nodes.nodes
    path.write_text(
        "\n".join(
            [
                f"STACK_IMAGE_REPO={image_repo}",
                f"STACK_DEPLOY_HOST={manager.engine.host}",
                f"STACK_DEPLOY_NODE_HOSTS={' '.join(w.engine.host for w in workers)}",
                f"STACK_PUBLIC_HTTPS_PORT={manager.https_port}",
                "STACK_HOSTNAMES=127.0.0.1,localhost",
                # The host's requests reach the nodes from their network's gateway (docker-proxy
                # adds no headers, so it is no proxy to trust); the tests read the replica's
                # host from /healthz, which the full report gives only to STACK_INFO_ALLOW.
                f"STACK_INFO_ALLOW={gateway_address(nodes)}",
                f"STACK_SECRETS_DIR={REPO_ROOT / '.secrets' / 'swarm-test'}",
                "STACK_QGIS_REPLICAS=2",
                # One worker per replica: throughput then grows with replicas on 2 cores.
                "QGIS_WORKERS=1",
                "STACK_QGIS_MEMORY=1G",
            ]
        )
        + "\n"
    )


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    dev = load()
    nodes = NodeSet(prefix=dev.project_name, root=REPO_ROOT / ".swarm-nodes", first_port=dev.http_port + 1)
    start_nodes(nodes)
    try:
        env_file = tmp_path_factory.mktemp("swarm") / ".env.staging"
        _env_file(nodes, env_file, dev.image_repo)
        settings = load_deploy(env_file=str(env_file))
        swarm.ensure_swarm(nodes.nodes[0].engine, "")
        join_workers(nodes)
        seconds = swarm.deploy(settings)
        print(f"\ndeployed on {len(nodes.nodes)} simulated nodes in {seconds:.0f} s")
        yield Cluster(nodes=nodes, settings=settings, deploy_seconds=seconds)
    finally:
        if os.environ.get("SWARM_TEST_KEEP") != "1":
            remove_nodes(nodes)
