"""`docker compose` with the variables that match the chosen QGIS version."""

from __future__ import annotations

import os
import subprocess

from stack.core.errors import StackError
from stack.core.settings import Settings
from stack.provision.engine import buildx_available


def compose_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, **settings.compose_env()}
    # Without buildx the docker CLI refuses BuildKit; the classic builder handles our
    # Dockerfiles (no BuildKit-only syntax in them).
    if "DOCKER_BUILDKIT" not in os.environ and not buildx_available():
        env["DOCKER_BUILDKIT"] = "0"
    return env


def compose(settings: Settings, *args: str, check: bool = True) -> int:
    command = ["docker", "compose", "--project-directory", str(settings.root), *args]
    result = subprocess.run(command, env=compose_env(settings), cwd=settings.root)
    if check and result.returncode != 0:
        raise StackError(f"`docker compose {' '.join(args)}` failed (exit {result.returncode})")
    return result.returncode
