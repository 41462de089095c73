"""What a failed test's report shows: the HTTP exchanges it made and the containers' logs.

Every request that goes through `requests` (OWSLib's included) is recorded while a test
runs, so a failure shows the exact URL, status, headers and the head of the body without
the test having to catch anything.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import docker
import requests

from stack.core.settings import Settings
from stack.deploy.containers import stack_containers

KEPT_EXCHANGES = 3
BODY_HEAD = 600


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body_head: bytes

    def describe(self) -> str:
        headers = "\n".join(f"  {name}: {value}" for name, value in self.headers.items())
        body = self.body_head.decode("utf-8", errors="replace")
        return f"{self.method} {self.url}\n→ HTTP {self.status}\n{headers}\n  body: {body}"


class HttpTrace:
    """The last few exchanges made through requests.Session.send."""

    def __init__(self) -> None:
        self.exchanges: deque[Exchange] = deque(maxlen=KEPT_EXCHANGES)

    @contextmanager
    def recording(self) -> Iterator[None]:
        original = requests.Session.send
        trace = self

        def send(session: requests.Session, request: requests.PreparedRequest, **kwargs) -> requests.Response:
            response = original(session, request, **kwargs)
            # docker-py is a requests Session too (http+docker://), and streamed bodies must
            # stay unread for their caller: record plain, fully read HTTP exchanges only.
            if kwargs.get("stream") or not (request.url or "").startswith(("http://", "https://")):
                return response
            trace.exchanges.append(
                Exchange(
                    method=request.method or "?",
                    url=request.url or "?",
                    status=response.status_code,
                    headers=dict(response.headers),
                    body_head=response.content[:BODY_HEAD],
                )
            )
            return response

        requests.Session.send = send  # type: ignore[method-assign]
        try:
            yield
        finally:
            requests.Session.send = original  # type: ignore[method-assign]

    def describe(self) -> str:
        if not self.exchanges:
            return "no HTTP request was made through requests"
        return "\n\n".join(exchange.describe() for exchange in self.exchanges)


def container_log_tails(settings: Settings, lines: int = 25) -> str:
    """The last lines of every container of the stack, newest last."""
    try:
        client = docker.from_env()
        containers = stack_containers(client, settings.project_name)
    except docker.errors.DockerException as error:
        return f"container logs unavailable: {error}"
    parts = []
    for container in containers:
        tail = container.logs(tail=lines).decode(errors="replace").rstrip()
        parts.append(f"--- {container.name} ({container.status}) ---\n{tail}")
    return "\n".join(parts) or "no containers found"
