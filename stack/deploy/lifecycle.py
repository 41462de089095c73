"""Bring the stack up and down: what `make up` / `make down` and the test fixture share."""

from __future__ import annotations

import docker

from stack.core.console import say
from stack.core.errors import StackError
from stack.core.settings import Settings
from stack.core.waiting import wait_until
from stack.deploy.compose import compose
from stack.deploy.containers import explain, is_failing, stack_containers, state_of
from stack.deploy.health import healthy
from stack.provision.base_image import ensure_base_image
from stack.provision.engine import ensure_engine
from stack.provision.secrets import ensure_demo_users, ensure_password_file

HEALTHY_TIMEOUT_S = 120


def prepare(settings: Settings) -> docker.DockerClient:
    """Everything `docker compose up` needs and cannot make itself."""
    ensure_engine(settings.debian_mirror)
    client = docker.from_env(timeout=300)
    # PostGIS sets the role's password from this file at every start, so a new file
    # (a fresh checkout, a rotated secret) needs no further step.
    ensure_password_file(settings)
    ensure_demo_users(settings)
    ensure_base_image(client, settings.release.base_image, settings.debian_mirror)
    return client


def running_checkout(client: docker.DockerClient, settings: Settings) -> str | None:
    """The folder the running stack was started from, or None when none runs."""
    for container in stack_containers(client, settings.project_name):
        if container.status == "running":
            return container.labels.get("com.docker.compose.project.working_dir")
    return None


def diagnose(client: docker.DockerClient, settings: Settings) -> str:
    failing = [c for c in stack_containers(client, settings.project_name) if is_failing(state_of(c))]
    return "\n\n".join(explain(c) for c in failing) or "no failing container found"


def up(settings: Settings, build: bool = True) -> None:
    client = prepare(settings)
    say(f"starting QGIS {settings.release.version} (Debian {settings.release.suite})")
    args = ["up", "--detach", "--wait", "--remove-orphans"]
    if build:
        args.append("--build")
    if compose(settings, *args, check=False) != 0:
        raise StackError("the stack did not become healthy:\n\n" + diagnose(client, settings))
    if not wait_until_healthy(settings):
        raise StackError(
            f"{settings.base_url}/healthz did not answer 200 within {HEALTHY_TIMEOUT_S} s:\n\n"
            + diagnose(client, settings)
        )


def wait_until_healthy(settings: Settings) -> bool:
    return wait_until(lambda: healthy(settings.base_url), HEALTHY_TIMEOUT_S)


def down(settings: Settings, volumes: bool = False) -> None:
    args = ["down", "--remove-orphans"] + (["--volumes"] if volumes else [])
    compose(settings, *args)


def urls(settings: Settings) -> list[str]:
    base = settings.base_url
    return [
        f"WMS      {base}/ows/demo?SERVICE=WMS&REQUEST=GetCapabilities",
        f"WFS      {base}/ows/demo?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetCapabilities",
        f"WCS      {base}/ows/demo?SERVICE=WCS&REQUEST=GetCapabilities",
        f"WMTS     {base}/ows/demo?SERVICE=WMTS&REQUEST=GetCapabilities",
        f"OGC API  {base}/ows/demo/wfs3/collections",
        f"health   {base}/healthz",
    ]
