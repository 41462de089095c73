"""Bring the stack up and down: the one path `make up`, `make down` and the test fixture share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import docker

from stack.core.console import Log, say, step
from stack.core.errors import StackError
from stack.core.settings import SERVICES, Settings
from stack.core.waiting import wait_until
from stack.deploy.compose import compose_step
from stack.deploy.containers import explain, is_failing, stack_containers, state_of
from stack.deploy.health import healthy
from stack.provision.base_image import ensure_base_image
from stack.provision.build_ca import copy_host_cas
from stack.provision.engine import ensure_engine
from stack.provision.secrets import ensure_demo_users, ensure_password_file

HEALTHY_TIMEOUT_S = 120


def command_log(settings: Settings, command: str) -> Log:
    return Log(settings.root / "reports" / f"{command}.log")


def prepare(settings: Settings, log: Log) -> docker.DockerClient:
    """Everything `docker compose up` needs and cannot make itself."""
    ensure_engine(settings.debian_mirror, log)
    client = docker.from_env(timeout=300)
    # PostGIS sets the role's password from this file at every start, so a new file
    # (a fresh checkout, a rotated secret) needs no further step.
    ensure_password_file(settings)
    ensure_demo_users(settings)
    ensure_base_image(client, settings.release.base_image, settings.debian_mirror, log)
    copy_host_cas(settings.root)
    return client


def build(settings: Settings, log: Log, services: tuple[str, ...] = SERVICES) -> None:
    """One step per image, so a slow or failing build is named."""
    for service in services:
        compose_step(settings, f"building {settings.image(service)}", log, "build", service)


def running_checkout(client: docker.DockerClient, settings: Settings) -> str | None:
    """The folder the running stack was started from, or None when none runs."""
    for container in stack_containers(client, settings.project_name):
        if container.status == "running":
            return container.labels.get("com.docker.compose.project.working_dir")
    return None


def check_same_checkout(settings: Settings) -> None:
    """A stack from another checkout would be tested with this checkout's secrets and tests."""
    try:
        started_from = running_checkout(docker.from_env(), settings)
    except docker.errors.DockerException:
        return  # no Docker access here: nothing to compare
    if started_from and os.path.realpath(started_from) != os.path.realpath(settings.root):
        raise StackError(
            f"{settings.base_url} is served by a stack started from {started_from}, not from "
            f"{settings.root}: run `make down` there, or set STACK_HTTP_PORT and COMPOSE_PROJECT_NAME"
        )


def diagnose(client: docker.DockerClient, settings: Settings) -> str:
    failing = [c for c in stack_containers(client, settings.project_name) if is_failing(state_of(c))]
    return "\n\n".join(explain(c) for c in failing) or "no failing container found"


def up(settings: Settings, log: Log, build_images: bool = True) -> None:
    client = prepare(settings, log)
    if build_images:
        build(settings, log)
    release = settings.release
    what = f"starting QGIS {release.version} (Debian {release.suite}): data, demo project, health checks"
    code = compose_step(settings, what, log, "up", "--detach", "--wait", "--remove-orphans", check=False)
    if code != 0:
        diagnosis = diagnose(client, settings)
        raise StackError(f"the stack did not become healthy (log: {log.path}):\n\n{diagnosis}")
    with step(f"waiting for {settings.base_url}/healthz"):
        if not wait_until_healthy(settings):
            raise StackError(
                f"{settings.base_url}/healthz did not answer 200 within {HEALTHY_TIMEOUT_S} s:\n\n"
                + diagnose(client, settings)
            )


def wait_until_healthy(settings: Settings) -> bool:
    return wait_until(lambda: healthy(settings.base_url), HEALTHY_TIMEOUT_S)


def down(settings: Settings, log: Log, volumes: bool = False) -> None:
    args = ["down", "--remove-orphans"] + (["--volumes"] if volumes else [])
    compose_step(settings, "stopping the stack" + (" and deleting its data" if volumes else ""), log, *args)


@contextmanager
def running(settings: Settings, log: Log, build_images: bool = True, teardown: bool = True) -> Iterator[bool]:
    """The stack, up for the duration of the block; yields whether this block started it.

    A healthy stack from this checkout is used as it is and left running. Otherwise the
    stack is started and, with `teardown`, stopped at the end (its data is kept)."""
    if healthy(settings.base_url):
        check_same_checkout(settings)
        yield False
        return
    try:
        up(settings, log, build_images)
        yield True
    finally:
        if teardown:
            say("taking down the stack this run started (data kept)")
            down(settings, log)


def urls(settings: Settings) -> list[str]:
    base = settings.base_url
    return [
        f"web map  {base}/",
        f"WMS      {base}/ows/demo?SERVICE=WMS&REQUEST=GetCapabilities",
        f"WFS      {base}/ows/demo?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetCapabilities",
        f"WCS      {base}/ows/demo?SERVICE=WCS&REQUEST=GetCapabilities",
        f"WMTS     {base}/ows/demo?SERVICE=WMTS&REQUEST=GetCapabilities",
        f"OGC API  {base}/ows/demo/wfs3/collections",
        f"health   {base}/healthz",
        f"metrics  {base}/metrics",
    ]
