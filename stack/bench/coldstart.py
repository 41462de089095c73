"""make bench --cold-start: what makes a fresh worker's first request (project load)
faster — QGIS_SERVER_TRUST_LAYER_METADATA, estimated metadata on the PostGIS layers, both —
measured in fresh processes in a clone of the stack's qgis-server container
(inprocess/coldstart.py), the variants interleaved."""

from __future__ import annotations

import json

from stack.bench.limit import Limit
from stack.bench.targets import DEMO_PROJECT


def cold_start_variants(limit: Limit, tries: int) -> dict[str, dict]:
    command = ["qgis-server-entrypoint", "python3", "/bench/coldstart.py", DEMO_PROJECT, str(tries)]
    outcome = limit.container.exec_run(command, demux=True)
    if outcome.exit_code != 0:
        raise RuntimeError(f"cold-start variants failed: {(outcome.output[1] or b'').decode()[-800:]}")
    return json.loads((outcome.output[0] or b"").decode().strip().splitlines()[-1])


def cold_start_table(variants: dict[str, dict]) -> str:
    base = variants["default"]["median_s"]
    lines = ["cold start: first GetCapabilities of a fresh process (loads the project), median ms"]
    for name, v in variants.items():
        lines.append(f"  {name:22} {v['median_s'] * 1000:8.0f}   {v['median_s'] / base:5.2f}x of default")
    return "\n".join(lines)
