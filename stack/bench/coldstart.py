"""make bench --cold-start: what makes a fresh worker's first request (project load)
faster — QGIS_SERVER_TRUST_LAYER_METADATA, estimated metadata on the PostGIS layers, both —
measured in fresh processes in a clone of the stack's qgis-server container
(inprocess/coldstart.py), the variants interleaved."""

from __future__ import annotations

import json
import statistics
import time

from stack.bench.cold import first_answer
from stack.bench.limit import Limit
from stack.bench.targets import DEMO_PROJECT, Target
from stack.bench.targets import PRELOAD_SETTING as PRELOAD
from stack.bench.variants import qgis_server_settings, recreate_qgis_server
from stack.bench.workloads import CAPABILITIES
from stack.core.settings import Settings


def cold_start_variants(limit: Limit, tries: int) -> dict[str, dict]:
    command = ["qgis-server-entrypoint", "python3", "/bench/coldstart.py", DEMO_PROJECT, str(tries)]
    outcome = limit.container.exec_run(command, demux=True)
    if outcome.exit_code != 0:
        raise RuntimeError(f"cold-start variants failed: {(outcome.output[1] or b'').decode()[-800:]}")
    return json.loads((outcome.output[0] or b"").decode().strip().splitlines()[-1])


def stack_first_requests(settings: Settings, stack: Target, tries: int) -> dict[str, dict]:
    """The stack's first demo GetCapabilities after qgis-server restarts (through nginx, as
    a user meets it), with the workers preloading the projects (the default) and without."""
    variants = {}
    with qgis_server_settings(settings, PRELOAD):
        for value in ("all", "none"):
            recreate_qgis_server(settings, {PRELOAD: value})
            ready, first = [], []
            for _ in range(tries):
                started = time.monotonic()
                stack.restart()  # returns once the container is healthy
                ready.append(time.monotonic() - started)
                first.append(first_answer(stack, CAPABILITIES)[0])
            variants[f"stack, {PRELOAD}={value}"] = {
                "median_s": statistics.median(first),
                "all_s": first,
                # Preloading is not free: it is paid here, before the stack counts as up.
                "restart_to_healthy_median_s": statistics.median(ready),
            }
    return variants


def cold_start_table(variants: dict[str, dict]) -> str:
    base = variants["default"]["median_s"]
    lines = [
        "cold start: first GetCapabilities of a fresh process (in process: no plugins) or of a restarted",
        "qgis-server (through nginx), median ms",
    ]
    for name, v in variants.items():
        ready = v.get("restart_to_healthy_median_s")
        up = f"   restart to healthy {ready:.1f} s" if ready is not None else ""
        lines.append(f"  {name:42} {v['median_s'] * 1000:8.0f}   {v['median_s'] / base:5.2f}x of default{up}")
    return "\n".join(lines)
