"""Bounded load for the swarm tests (a URL and parameters, TLS verification); the fault
suite's stack.harness.load is the general loop, and this one should fold into it.

A few client threads sending one request over and over, stopped by a
count, a deadline or the caller, keeping every outcome (for failed-request counts and
throughput). Each thread has its own requests session (keep-alive, like real clients)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no HTTP answer at all
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class LoadLoop:
    url: str
    params: dict[str, str]
    verify: str | bool = True
    clients: int = 2
    max_requests: int = 2000
    max_seconds: float = 300.0
    timeout_s: float = 30.0
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _client(self, deadline: float) -> None:
        session = requests.Session()
        while not self._stop.is_set() and time.monotonic() < deadline:
            with self._lock:
                if len(self.outcomes) >= self.max_requests:
                    return
            started = time.monotonic()
            try:
                response = session.get(
                    self.url, params=self.params, verify=self.verify, timeout=self.timeout_s
                )
                response.content  # noqa: B018 (read the whole body)
                outcome = Outcome(started, time.monotonic() - started, response.status_code)
            except requests.RequestException as error:
                outcome = Outcome(started, time.monotonic() - started, None, type(error).__name__)
            with self._lock:
                self.outcomes.append(outcome)

    def start(self) -> LoadLoop:
        deadline = time.monotonic() + self.max_seconds
        self._threads = [
            threading.Thread(target=self._client, args=(deadline,), daemon=True) for _ in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> LoadLoop:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout_s + 5)
        return self

    def run(self) -> LoadLoop:
        """Start and wait until the count or the deadline ends it."""
        self.start()
        for thread in self._threads:
            thread.join()
        return self

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def throughput(self) -> float:
        """Requests per second from the first start to the last finish."""
        if not self.outcomes:
            return 0.0
        first = min(o.started for o in self.outcomes)
        last = max(o.started + o.seconds for o in self.outcomes)
        return len(self.outcomes) / max(last - first, 1e-9)

    def summary(self) -> str:
        failed = self.failures
        kinds = sorted({str(o.status or o.error) for o in failed})
        return (
            f"{len(self.outcomes)} requests, {len(failed)} failed {kinds or ''}, {self.throughput:.1f} req/s"
        )
