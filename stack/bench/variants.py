"""Run qgis-server with one setting changed, then put it back: how the bench compares the
stack with and without one of its own measures (the socket monitor fix, preloading)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from stack.core.settings import Settings
from stack.deploy import lifecycle
from stack.deploy.compose import compose


def recreate_qgis_server(settings: Settings, name: str, value: str | None) -> None:
    """qgis-server recreated by compose with NAME=VALUE (None: the image's default)."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    compose(settings, "up", "--detach", "--wait", "--no-deps", "qgis-server")
    if not lifecycle.wait_until_healthy(settings):
        raise RuntimeError(f"qgis-server did not become healthy with {name}={value}")


@contextmanager
def qgis_server_setting(settings: Settings, name: str) -> Iterator[None]:
    """Inside: call recreate_qgis_server(settings, name, …) freely; after: as it was."""
    saved = os.environ.get(name)
    try:
        yield
    finally:
        recreate_qgis_server(settings, name, saved)
