"""Run qgis-server with some settings changed, then put them back: how the bench compares
the stack with and without its own measures (the preloaded libraries, preloading projects)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from stack.core.settings import Settings
from stack.deploy import lifecycle
from stack.deploy.compose import compose


def recreate_qgis_server(settings: Settings, values: Mapping[str, str | None]) -> None:
    """qgis-server recreated by compose with each NAME=VALUE (None: the image's default)."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    compose(settings, "up", "--detach", "--wait", "--no-deps", "qgis-server")
    if not lifecycle.wait_until_healthy(settings):
        shown = ", ".join(f"{name}={value}" for name, value in values.items())
        raise RuntimeError(f"qgis-server did not become healthy with {shown}")


@contextmanager
def qgis_server_settings(settings: Settings, *names: str) -> Iterator[None]:
    """Inside: call recreate_qgis_server(settings, …) with these names freely; after: as it was."""
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        recreate_qgis_server(settings, saved)
