"""`docker compose` with the variables that match the chosen QGIS version."""

from __future__ import annotations

import os
import subprocess

from stack.core.console import Log, run_logged
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


def _command(settings: Settings, *args: str) -> list[str]:
    return ["docker", "compose", "--project-directory", str(settings.root), *args]


def compose(settings: Settings, *args: str, check: bool = True) -> int:
    """`docker compose …` with its output on the terminal (logs, ps, an interactive build)."""
    result = subprocess.run(_command(settings, *args), env=compose_env(settings), cwd=settings.root)
    if check and result.returncode != 0:
        raise StackError(f"`docker compose {' '.join(args)}` failed (exit {result.returncode})")
    return result.returncode


def compose_step(settings: Settings, what: str, log: Log, *args: str, check: bool = True) -> int:
    """`docker compose …` as one step of a longer command: one line, the output in the log."""
    return run_logged(
        _command(settings, *args), what, log, env=compose_env(settings), cwd=settings.root, check=check
    )
