"""Where the machine's CPU goes while the stack answers one workload: a closed loop of wrk
against the running stack (as the bench's role, past the tile cache), and the CPU every
host process used meanwhile, per request, from /proc. Run it on the Docker host: it reads
the host's process table (containers' processes included, by name).

    python -m stack.bench.where "WFS all places" [--clients 1] [--seconds 15] [--qgis 3.40]

It answers questions the bench's per-container figure cannot: how much is the worker, how
much nginx, PostGIS and Docker. A process that ends within the window is counted in its
parent: wrk and the health checks are `docker exec`s, so they show as containerd-shim. Work
done per second rather than per request (health checks, say) shows up divided by the
requests of the window: compare workloads at similar rates.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import docker

from stack.bench.images import build_bench_images
from stack.bench.loadgen import LoadGenerator
from stack.bench.targets import BENCH_LABEL, stack_target
from stack.bench.workloads import WORKLOADS, by_name
from stack.core.settings import load

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
WARM_UP_S = 2.0
SHOWN = 12  # processes listed, the busiest first


@dataclass(frozen=True)
class Snapshot:
    per_process: dict[int, tuple[str, int]]  # pid -> (name, CPU ticks incl. reaped children)
    total: int  # all CPUs' ticks (/proc/stat)
    idle: int


def snapshot() -> Snapshot:
    per_process = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended while we looked
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime, stime, and the children's (health checks run as reaped children of the shim)
        per_process[int(entry.name)] = (name, sum(int(value) for value in fields[11:15]))
    cpu = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return Snapshot(per_process, sum(cpu), cpu[3] + cpu[4])


def cpu_ms_per_request(before: Snapshot, after: Snapshot, requests: int) -> tuple[float, Counter[str]]:
    per_name: Counter[str] = Counter()
    for pid, (name, ticks) in after.per_process.items():
        earlier = before.per_process.get(pid)
        per_name[name] += ticks - (earlier[1] if earlier and earlier[0] == name else 0)
    scale = 1000 / TICKS_PER_S / max(1, requests)
    busy = (after.total - before.total) - (after.idle - before.idle)
    return busy * scale, Counter({name: ticks * scale for name, ticks in per_name.items() if ticks > 0})


def main(argv: list[str] | None = None) -> int:
    names = [workload.name for workload in WORKLOADS if not workload.cold]
    parser = argparse.ArgumentParser(prog="python -m stack.bench.where", description=__doc__)
    parser.add_argument("workload", choices=names)
    parser.add_argument("--clients", type=int, default=1, help="connections of the closed loop")
    parser.add_argument("--seconds", type=float, default=15.0, help="the measured window")
    parser.add_argument("--qgis", help="QGIS version of the running stack")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 16 or not 1 <= args.seconds <= 120:
        parser.error("--clients must be 1-16 and --seconds 1-120 (the loop is bounded)")

    settings = load(args.qgis)
    client = docker.from_env()
    image = build_bench_images(client, settings, {"loadgen"})["loadgen"]
    generator = LoadGenerator(
        client, image, f"{settings.project_name}-bench-where", {BENCH_LABEL: settings.project_name}
    )
    stack = stack_target(client, settings)
    workload = by_name(args.workload)
    paths = [stack.path(query) for query in workload.queries]
    try:
        generator.run(stack.base_url, paths, args.clients, WARM_UP_S, stack.headers)
        before = snapshot()
        result = generator.run(stack.base_url, paths, args.clients, args.seconds, stack.headers)
        after = snapshot()
    finally:
        generator.remove()

    busy, per_name = cpu_ms_per_request(before, after, result.requests)
    print(
        f"{workload.name}, {args.clients} client(s), {args.seconds:.0f} s: {result.rate:.1f} req/s, "
        f"p50 {result.p50_ms:.1f} ms, {result.errors} errors"
    )
    print(f"machine: {busy:.2f} ms of CPU per request (all cores); per process:")
    for name, ms in per_name.most_common(SHOWN):
        print(f"  {name:<24} {ms:8.2f} ms")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
