"""What the swarm tests ask the swarm: tasks per node, service convergence, health."""

from __future__ import annotations

import requests

from stack.core.waiting import wait_until
from stack.deploy.swarm.engine import Engine

GETCAPABILITIES = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetCapabilities"}
# A render that costs CPU in QGIS, so throughput depends on how many workers there are.
GETMAP = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetMap",
    "LAYERS": "countries,rivers,places",
    "STYLES": "",
    "CRS": "EPSG:4326",
    "BBOX": "-90,-180,90,180",
    "WIDTH": "512",
    "HEIGHT": "256",
    "FORMAT": "image/png",
}


def running_tasks(engine: Engine, service: str) -> list[dict]:
    rows = engine.json_lines("service", "ps", service, "--no-trunc", "--filter", "desired-state=running")
    return [row for row in rows if row["CurrentState"].startswith("Running")]


def nodes_of(engine: Engine, service: str) -> set[str]:
    return {row["Node"] for row in running_tasks(engine, service)}


def service_settled(engine: Engine, service: str, replicas: int) -> bool:
    state = engine.run(
        "service", "inspect", service, "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}"
    )
    return (
        state.strip() not in ("updating", "rollback_started", "paused")
        and len(running_tasks(engine, service)) == replicas
    )


def wait_settled(engine: Engine, service: str, replicas: int, timeout_s: float = 300) -> bool:
    return wait_until(lambda: service_settled(engine, service, replicas), timeout_s, interval_s=1)


def update_state(engine: Engine, service: str) -> str:
    return engine.run(
        "service", "inspect", service, "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}"
    ).strip()


def answering_host(base_url: str, ca: str) -> str:
    """The qgis-server replica (hostname: <node>-qgis-<slot>) that answered one request."""
    response = requests.get(f"{base_url}/healthz", verify=ca, timeout=15)
    response.raise_for_status()
    return response.json()["worker"]["host"]


def wait_answering(base_url: str, ca: str, replicas: int, timeout_s: float = 60) -> set[str]:
    """Until requests through nginx have reached `replicas` different replicas: nginx keeps a
    resolved address list for up to 10 s, so a settled service is not yet a used one."""
    hosts: set[str] = set()

    def enough() -> bool:
        hosts.add(answering_host(base_url, ca))
        return len(hosts) >= replicas

    assert wait_until(enough, timeout_s, interval_s=0.2), f"only {sorted(hosts)} answered"
    return hosts


def spread_two_replicas(engine: Engine, service: str) -> None:
    """Swarm never rebalances, and a start-first update can leave both replicas on one node
    (the new task goes where the old one is not yet gone). Scaling 2 → 1 → 2 puts the new
    one on the empty node: the spread scheduler picks the node with fewer of its tasks."""
    if len(nodes_of(engine, service)) == 2:
        return
    for replicas in (1, 2):
        engine.run("service", "scale", "--detach", f"{service}={replicas}")
        assert wait_settled(engine, service, replicas), f"{service} did not settle at {replicas} replicas"


def task_container(engine: Engine, service: str) -> str:
    """The id of one running container of the service on this node's engine."""
    found = engine.run("ps", "--quiet", "--filter", f"label=com.docker.swarm.service.name={service}").split()
    assert found, f"no container of {service} on {engine.label}"
    return found[0]


def curl_inside(engine: Engine, container: str, url: str, *headers: str) -> str:
    """What a client inside the container (address 127.0.0.1: neither trusted nor allowed) gets."""
    command = ["exec", container, "curl", "-sS", "-k", "--max-time", "30"]
    for header in headers:
        command += ["-H", header]
    return engine.run(*command, url)
