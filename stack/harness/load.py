"""A small, bounded load: a few clients sending one kind of request in a loop, every answer kept.

The fault tests and the swarm tests run a fault, an update or a scaling while this loop runs,
then count what the clients saw (failed requests, throughput). Each loop is bounded twice, by a
request count and by a time limit, so a hung stack cannot hang a test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests

# A request: sends the numbered request (numbers count from 0 across all clients) and returns
# the response; raises requests' exceptions on connection errors.
Request = Callable[[int], requests.Response]
# Judges a response: None when it is a success, else what was wrong with it.
Verdict = Callable[[requests.Response], str | None]


@dataclass(frozen=True)
class Outcome:
    number: int
    client: int
    started_s: float  # time.monotonic() when the request was sent
    finished_s: float
    problem: str | None  # None: success

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def seconds(self) -> float:
        return self.finished_s - self.started_s


@dataclass
class LoadReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def first_success_after(self, moment_s: float) -> float | None:
        """Seconds from `moment_s` until a request sent after it succeeded (None: none did)."""
        done = [o.finished_s for o in self.outcomes if o.ok and o.started_s >= moment_s]
        return min(done) - moment_s if done else None

    def outage_s(self) -> float:
        """From the first failed request's start to the end of the last one (0 without failures)."""
        failed = self.failures
        if not failed:
            return 0.0
        return max(o.finished_s for o in failed) - min(o.started_s for o in failed)

    def slowest_s(self) -> float:
        return max((o.seconds for o in self.outcomes), default=0.0)

    @property
    def throughput(self) -> float:
        """Requests per second, from the first request's start to the last one's end."""
        if not self.outcomes:
            return 0.0
        first = min(o.started_s for o in self.outcomes)
        last = max(o.finished_s for o in self.outcomes)
        return len(self.outcomes) / max(last - first, 1e-9)

    def summary(self) -> str:
        problems: dict[str, int] = {}
        for outcome in self.failures:
            key = (outcome.problem or "")[:120]
            problems[key] = problems.get(key, 0) + 1
        listed = "; ".join(f"{n} x {p}" for p, n in sorted(problems.items(), key=lambda kv: -kv[1]))
        return (
            f"{len(self.outcomes)} requests, {len(self.failures)} failed over {self.outage_s():.2f} s, "
            f"slowest {self.slowest_s():.2f} s, {self.throughput:.1f} req/s"
            + (f": {listed}" if listed else "")
        )


def expect_status(status: int = 200, content_type_prefix: str = "") -> Verdict:
    """A success is this status with a Content-Type starting with the prefix."""

    def verdict(response: requests.Response) -> str | None:
        kind = response.headers.get("Content-Type", "")
        if response.status_code == status and kind.startswith(content_type_prefix):
            return None
        return f"HTTP {response.status_code} {kind}: {response.content[:80]!r}"

    return verdict


def http_get(
    url: str,
    params: Mapping[str, str],
    verify: str | bool = True,
    timeout_s: float = 30.0,
    keep_alive: bool = False,
) -> Request:
    """GET url?params. keep_alive: each client thread keeps one session (like real clients,
    and TLS handshakes do not dominate); otherwise every request opens its own connection,
    so a reused connection closing under a client cannot pass for something the stack did."""
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    def request(_number: int) -> requests.Response:
        sender = session() if keep_alive else requests
        return sender.get(url, params=dict(params), verify=verify, timeout=timeout_s)

    return request


class LoadLoop:
    """`clients` threads sending `request` until stopped, `max_requests` are sent in all, or
    `max_seconds` pass, whichever comes first."""

    def __init__(
        self,
        request: Request,
        verdict: Verdict,
        clients: int = 2,
        max_requests: int = 2000,
        max_seconds: float = 60,
    ) -> None:
        self._request = request
        self._verdict = verdict
        self._clients = clients
        self._max_requests = max_requests
        self._max_seconds = max_seconds
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sent = 0
        self.report = LoadReport()
        self._threads: list[threading.Thread] = []

    def _next_ticket(self) -> int | None:
        with self._lock:
            if self._sent >= self._max_requests:
                return None
            self._sent += 1
            return self._sent - 1

    def _client(self, client: int, deadline: float) -> None:
        while not self._stop.is_set() and time.monotonic() < deadline:
            number = self._next_ticket()
            if number is None:
                return
            started = time.monotonic()
            try:
                problem = self._verdict(self._request(number))
            except requests.RequestException as error:
                problem = f"{type(error).__name__}: {error}"[:200]
            outcome = Outcome(number, client, started, time.monotonic(), problem)
            with self._lock:
                self.report.outcomes.append(outcome)

    def start(self) -> None:
        deadline = time.monotonic() + self._max_seconds
        for number in range(self._clients):
            thread = threading.Thread(target=self._client, args=(number, deadline), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> LoadReport:
        self._stop.set()
        return self.wait()

    def wait(self) -> LoadReport:
        """Until the count or the deadline ends the loop (or stop() did)."""
        for thread in self._threads:
            thread.join()
        with self._lock:
            self.report.outcomes.sort(key=lambda o: o.started_s)
        return self.report

    def run(self) -> LoadReport:
        """Start, and return the report once the count or the deadline ends the loop."""
        self.start()
        return self.wait()

    def count(self, since_s: float = 0.0, ok: bool = True) -> int:
        """Requests finished so far (after `since_s`, successful ones by default)."""
        with self._lock:
            return sum(1 for o in self.report.outcomes if o.ok == ok and o.started_s >= since_s)

    @property
    def finished(self) -> bool:
        return not any(thread.is_alive() for thread in self._threads)


@contextmanager
def load(
    request: Request, verdict: Verdict, clients: int = 2, max_requests: int = 2000, max_seconds: float = 60
) -> Iterator[LoadLoop]:
    """Run a LoadLoop for the duration of the block; its report is complete after the block."""
    loop = LoadLoop(request, verdict, clients, max_requests, max_seconds)
    loop.start()
    try:
        yield loop
    finally:
        loop.stop()
