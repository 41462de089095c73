"""The per-request floor: what a small request costs through the stack over the same
request in process, with the stack's own measures (the stderr batching and the two
libraries it preloads into the workers, all on by default) taken away one at a time:
qgis-server is recreated by compose for each variant, then put back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stack.bench.limit import Limit
from stack.bench.loadgen import LoadGenerator
from stack.bench.targets import Target
from stack.bench.variants import qgis_server_settings, recreate_qgis_server
from stack.bench.workloads import WORKLOADS
from stack.core.settings import Settings

if TYPE_CHECKING:
    import docker

    from stack.bench.run import Plan

SOCKET_MONITOR_FIX = "QGIS_STACK_SOCKET_MONITOR_FIX"
ACCEPT_PRIORITY = "QGIS_STACK_ACCEPT_PRIORITY"
LOG_BATCH_MS = "QGIS_STACK_LOG_BATCH_MS"
# From the stack as it ships to QGIS, libfcgi and Docker's log as they are.
VARIANTS = (
    {LOG_BATCH_MS: "50", SOCKET_MONITOR_FIX: "1", ACCEPT_PRIORITY: "1"},
    {LOG_BATCH_MS: "0", SOCKET_MONITOR_FIX: "1", ACCEPT_PRIORITY: "1"},
    {LOG_BATCH_MS: "0", SOCKET_MONITOR_FIX: "1", ACCEPT_PRIORITY: "0"},
    {LOG_BATCH_MS: "0", SOCKET_MONITOR_FIX: "0", ACCEPT_PRIORITY: "0"},
)


def floor_rows(
    client: docker.DockerClient,
    settings: Settings,
    load: LoadGenerator,
    limit: Limit,
    stack: Target,
    plan: Plan,
) -> list[dict]:
    """One row per variant and small workload. Each variant is measured twice, in the order
    ABCD DCBA: a machine that speeds up or slows down over the run then favours none."""
    small = [w for w in WORKLOADS if w.small and not w.cold]
    measured: dict[tuple[int, str], list[tuple[float, float]]] = {}
    order = [*range(len(VARIANTS)), *reversed(range(len(VARIANTS)))]
    with qgis_server_settings(settings, LOG_BATCH_MS, SOCKET_MONITOR_FIX, ACCEPT_PRIORITY):
        for index in order:
            recreate_qgis_server(settings, VARIANTS[index])
            for w in small:
                # In process right before through the stack: the machine's load moves.
                in_process = limit.run(list(w.queries), 1, plan.warmup_s, plan.window_s).result.p50_ms
                paths = [stack.path(q) for q in w.queries]
                load.run(stack.base_url, paths, 1, plan.warmup_s, stack.headers)
                p50 = load.run(stack.base_url, paths, 1, plan.window_s, stack.headers).p50_ms
                measured.setdefault((index, w.name), []).append((p50, in_process))
    rows = []
    for index, variant in enumerate(VARIANTS):
        for w in small:
            pairs = measured[(index, w.name)]
            p50 = sum(stack_p50 for stack_p50, _ in pairs) / len(pairs)
            in_process = sum(limit_p50 for _, limit_p50 in pairs) / len(pairs)
            rows.append(
                {
                    "qgis": settings.release.version,
                    "fix": variant[SOCKET_MONITOR_FIX] == "1",
                    "accept_priority": variant[ACCEPT_PRIORITY] == "1",
                    "log_batch": variant[LOG_BATCH_MS] != "0",
                    "workload": w.name,
                    "stack_p50_ms": p50,
                    "in_process_p50_ms": in_process,
                    "overhead_ms": p50 - in_process,
                    # Both measurements (stack, in process), for how far they moved.
                    "windows_ms": pairs,
                }
            )
    return rows
