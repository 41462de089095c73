"""The stack's containers as the docker SDK sees them: state, health, and why not healthy."""

from __future__ import annotations

from dataclasses import dataclass

import docker
from docker.models.containers import Container


@dataclass(frozen=True)
class ContainerState:
    service: str
    name: str
    status: str  # running, exited, …
    health: str  # healthy, unhealthy, starting, or "-" without a healthcheck
    exit_code: int


def compose_labels(project: str, service: str | None = None) -> list[str]:
    """Label filters for the stack's own containers. Compose also stamps project and service
    labels on the images it builds, so containers run from those images by hand carry them
    too; only containers compose made have a container number."""
    labels = [f"com.docker.compose.project={project}", "com.docker.compose.container-number"]
    return labels + ([f"com.docker.compose.service={service}"] if service else [])


def stack_containers(client: docker.DockerClient, project: str) -> list[Container]:
    found = client.containers.list(all=True, filters={"label": compose_labels(project)})
    return sorted(found, key=lambda c: c.labels.get("com.docker.compose.service", c.name))


def state_of(container: Container) -> ContainerState:
    state = container.attrs["State"]
    return ContainerState(
        service=container.labels.get("com.docker.compose.service", container.name),
        name=container.name,
        status=state.get("Status", "?"),
        health=state.get("Health", {}).get("Status", "-"),
        exit_code=int(state.get("ExitCode", 0)),
    )


def is_failing(state: ContainerState) -> bool:
    if state.health in ("unhealthy", "starting"):
        return True
    return state.status in ("exited", "dead", "restarting") and state.exit_code != 0


def explain(container: Container, log_lines: int = 40) -> str:
    """The last health check output and the log tail: enough to see why it is down."""
    parts = [f"--- {container.name} ---"]
    probes = container.attrs["State"].get("Health", {}).get("Log", [])
    if probes:
        parts.append(f"last health check (exit {probes[-1]['ExitCode']}):")
        parts.append(probes[-1]["Output"].strip()[-1500:])
    parts.append(f"last {log_lines} log lines:")
    parts.append(container.logs(tail=log_lines).decode(errors="replace").rstrip())
    return "\n".join(parts)


def service_container(client: docker.DockerClient, project: str, service: str) -> Container:
    found = client.containers.list(filters={"label": compose_labels(project, service)})
    if not found:
        raise LookupError(f"no running {service} container in project {project}")
    return found[0]


def health_status(container: Container) -> str:
    container.reload()
    return container.attrs["State"].get("Health", {}).get("Status", "-")


def last_probe_output(container: Container) -> str:
    probes = container.attrs["State"].get("Health", {}).get("Log", [])
    return probes[-1]["Output"] if probes else ""
