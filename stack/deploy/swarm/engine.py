"""The docker CLI against one engine: the local one, a remote DOCKER_HOST or a context.

A target is what STACK_DEPLOY_HOST says: "" (the engine `docker` reaches by default), a
URL (ssh://user@host, tcp://…, unix://…) or the name of a docker context.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

from stack.core.errors import StackError


@dataclass(frozen=True)
class Engine:
    host: str = ""  # "" = the default engine

    def flags(self) -> list[str]:
        if not self.host:
            return []
        return ["--host", self.host] if "://" in self.host else ["--context", self.host]

    def command(self, *args: str) -> list[str]:
        return ["docker", *self.flags(), *args]

    @property
    def label(self) -> str:
        return self.host or "the local engine"

    def run(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        result = subprocess.run(self.command(*args), capture_output=True, text=True, env=env)
        if check and result.returncode != 0:
            raise StackError(
                f"`docker {' '.join(args)}` on {self.label} failed: {result.stderr.strip()[-1500:]}"
            )
        return result.stdout

    def ok(self, *args: str) -> bool:
        return subprocess.run(self.command(*args), capture_output=True).returncode == 0

    def json_lines(self, *args: str) -> list[dict]:
        return [json.loads(line) for line in self.run(*args, "--format", "{{json .}}").splitlines() if line]

    def engine_id(self) -> str:
        return self.run("info", "--format", "{{.ID}}").strip()

    def swarm_state(self) -> str:
        return self.run("info", "--format", "{{.Swarm.LocalNodeState}}").strip()

    def has_image(self, reference: str) -> bool:
        return self.ok("image", "inspect", reference)
