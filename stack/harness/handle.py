"""The stack under test: where it answers, and whether we own its Docker and PostGIS."""

from __future__ import annotations

from dataclasses import dataclass

from stack.core.settings import Settings


@dataclass(frozen=True)
class StackHandle:
    base_url: str  # http://host:port, no trailing slash
    project: str  # the project the tests query by default
    settings: Settings | None  # None when remote: no Docker, no PostGIS access
    auth: tuple[str, str] | None = None  # HTTP basic credentials: the role nginx gives us

    @property
    def is_local(self) -> bool:
        return self.settings is not None

    def ows_url(self, project: str | None = None) -> str:
        return f"{self.base_url}/ows/{project or self.project}"

    @property
    def healthz_url(self) -> str:
        return f"{self.base_url}/healthz"
