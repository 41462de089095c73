"""Cold start: the first request a fresh worker serves (it loads the project first).
Each target is restarted, waited on, and sent one request; the limit starts one fresh
process. Repeated, one request each, so there are no percentiles beyond the median."""

from __future__ import annotations

import statistics
import time

import requests

from stack.bench.limit import Limit
from stack.bench.loadgen import LoadResult
from stack.bench.report import LIMIT, Row
from stack.bench.targets import Target
from stack.bench.workloads import Workload

START_TIMEOUT_S = 180
RETRY_S = 0.1  # between connection attempts to a server that is not listening yet


def one(times: list[float], errors: int) -> LoadResult:
    ms = [t * 1000 for t in times]
    return LoadResult(len(ms), sum(times), statistics.median(ms), max(ms), max(ms), errors, 0.0)


def to_row(name: str, workload: Workload, result: LoadResult) -> Row:
    return Row(
        name,
        workload.name,
        1,
        0,
        result.requests,
        result.seconds,
        0.0,
        result.p50_ms,
        result.p95_ms,
        result.p99_ms,
        result.errors,
        0.0,
        0.0,
    )


def first_request(target: Target, query: str) -> tuple[float, bool]:
    """Restart the target, then time its first answered request."""
    target.restart()
    return first_answer(target, query)


def first_answer(target: Target, query: str) -> tuple[float, bool]:
    """Time the first answered request. Until the server listens, Docker's port proxy
    accepts and resets the connection: such tries reach no QGIS and are retried."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        started = time.perf_counter()
        try:
            ok = requests.get(target.url(query), headers=target.headers, timeout=120).status_code == 200
            return time.perf_counter() - started, ok
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(RETRY_S)


def cold_rows(workload: Workload, targets: list[Target], limit: Limit, repeats: int) -> list[Row]:
    query = workload.queries[0]
    rows = []
    firsts = [limit.run([query], 1, 0, 0.1).first_s[0] for _ in range(repeats)]
    rows.append(to_row(LIMIT, workload, one(firsts, 0)))
    for target in targets:
        outcomes = [first_request(target, query) for _ in range(repeats)]
        rows.append(
            to_row(target.name, workload, one([t for t, _ in outcomes], sum(not ok for _, ok in outcomes)))
        )
    return rows
