"""make bench: this stack against the in-process limit and the servers users would pick
instead, on the same project, requests and worker count, in one run.

Every measurement is a closed loop (wrk, N connections): a warm-up, then a fixed window,
repeated; targets are interleaved (their order rotates each repeat) because the machine is
shared and noisy — compare the numbers of one run with each other, not across runs.
Loopback only, bounded in count and time. Targets live here, not in timed tests."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, replace

import docker
import requests

from stack.bench import report
from stack.bench.cold import cold_rows
from stack.bench.coldstart import cold_start_table, cold_start_variants, stack_first_requests
from stack.bench.cpu import total_cpu_seconds
from stack.bench.floor import floor_rows
from stack.bench.images import build_bench_images
from stack.bench.inprocess.limit import digest
from stack.bench.limit import Limit
from stack.bench.loadgen import LoadGenerator, LoadResult
from stack.bench.settle import settle
from stack.bench.soak import soak
from stack.bench.targets import Peers, Target, cached_stack_target, peer_specs, stack_target
from stack.bench.workloads import ROLE, WORKLOADS, Workload
from stack.core.settings import REPO_ROOT, Settings, load
from stack.deploy.containers import service_container
from stack.deploy.health import healthy
from stack.deploy.workers import worker_pids

REPORT_DIR = REPO_ROOT / "reports" / "bench"
FIRST_PEER_PORT_OFFSET = 1  # peers listen on the stack's port + 1, + 2, …


@dataclass(frozen=True)
class Plan:
    concurrencies: tuple[int, ...]
    warmup_s: float
    window_s: float
    repeats: int
    cold_repeats: int


FULL = Plan((1, 2, 4, 8), 1.0, 3.0, 2, 3)
QUICK = Plan((1, 2, 8), 1.0, 2.0, 1, 1)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--qgis", help="QGIS version of the running stack")
    parser.add_argument("--quick", action="store_true", help="a few-minute run: shorter windows, one repeat")
    parser.add_argument("--smoke", action="store_true", help="seconds: one workload, the stack and the limit")
    parser.add_argument("--workloads", help="comma-separated workload names (default: all)")
    parser.add_argument("--peers", default="all", help="'all', 'none' or comma-separated peer names")
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the floor (small requests with the stack's own measures on and off)",
    )
    parser.add_argument(
        "--cold-start",
        type=int,
        default=0,
        metavar="TRIES",
        help="instead: time project loading with and without the cold-start settings",
    )
    parser.add_argument("--concurrency", help="comma-separated client counts (default: the plan's)")
    parser.add_argument("--repeats", type=int, help="windows per target, workload and concurrency")
    parser.add_argument("--window", type=float, help="seconds measured per window (slow requests want more)")
    parser.add_argument("--soak", type=int, default=0, help="instead: N requests, worker RSS over time")
    return parser.parse_args(argv)


def measure_http(
    load: LoadGenerator, target: Target, workload: Workload, concurrency: int, plan: Plan
) -> tuple[LoadResult, float]:
    paths = [target.path(q) for q in workload.queries]
    load.run(target.base_url, paths, concurrency, plan.warmup_s, target.headers)
    before = total_cpu_seconds(target.container_ids)
    result = load.run(target.base_url, paths, concurrency, plan.window_s, target.headers)
    return result, total_cpu_seconds(target.container_ids) - before


def row(
    target: str, workload: str, c: int, repeat: int, result: LoadResult, cpu_s: float, same: bool | None
) -> report.Row:
    n = max(1, result.requests)
    return report.Row(
        target,
        workload,
        c,
        repeat,
        result.requests,
        result.seconds,
        result.rate,
        result.p50_ms,
        result.p95_ms,
        result.p99_ms,
        result.errors,
        cpu_s * 1000 / n,
        result.loadgen_cpu_s * 1000 / n,
        same,
    )


def same_work(targets: list[Target], limit_hashes: dict[str, str]) -> dict[tuple[str, str], bool]:
    """Whether each target's answer to each query is byte for byte the limit's."""
    same = {}
    for target in targets:
        for query, expected in limit_hashes.items():
            body = requests.get(target.url(query), headers=target.headers, timeout=120).content
            same[(target.name, query)] = digest(body) == expected
    return same


def quiet(failures: list[str], before: str) -> None:
    """Until the last target has finished the requests it still had in flight."""
    if not settle():
        failures.append(f"{before}: the machine was still busy when the window started")


def measure_workload(
    workload: Workload,
    targets: list[Target],
    limit: Limit,
    gen: LoadGenerator,
    plan: Plan,
    failures: list[str],
) -> list[report.Row]:
    """Every concurrency and repeat of one workload, the limit first and the targets in an
    order that rotates each repeat. A target that fails is recorded and the run goes on."""
    rows = []
    limit_hashes = limit.run(list(workload.queries), 1, 0, 0.1).hashes
    here = []
    same: dict[tuple[str, str], bool] = {}
    for target in targets:
        if target.only_workloads and workload.name not in target.only_workloads:
            continue
        try:
            same |= same_work([target], limit_hashes)
        except Exception as error:  # a target that cannot answer is reported, the run goes on
            failures.append(f"{target.name}, {workload.name}: {type(error).__name__}: {error}")
            continue
        here.append(target)
    for concurrency in plan.concurrencies:
        for repeat in range(plan.repeats):
            order = here[repeat % len(here) :] + here[: repeat % len(here)]
            quiet(failures, f"the limit, {workload.name}, c={concurrency}")
            lrun = limit.run(list(workload.queries), concurrency, plan.warmup_s, plan.window_s)
            rows.append(row(report.LIMIT, workload.name, concurrency, repeat, lrun.result, lrun.cpu_s, True))
            for target in order:
                if target.max_concurrency and concurrency > target.max_concurrency:
                    continue
                quiet(failures, f"{target.name}, {workload.name}, c={concurrency}")
                try:
                    result, cpu = measure_http(gen, target, workload, concurrency, plan)
                except Exception as error:  # recorded; the other targets are still measured
                    failures.append(
                        f"{target.name}, {workload.name}, c={concurrency}: {type(error).__name__}: {error}"
                    )
                    continue
                ok = all(same[(target.name, q)] for q in limit_hashes)
                rows.append(row(target.name, workload.name, concurrency, repeat, result, cpu, ok))
    return rows


def cold_start(client: docker.DockerClient, settings: Settings, tries: int) -> int:
    peers = Peers(client, settings, lambda _: settings.image("qgis-server"))
    limit = Limit(peers, "cold-start")
    try:
        variants = cold_start_variants(limit, tries)
    finally:
        limit.remove()
    variants |= stack_first_requests(settings, stack_target(client, settings), tries)
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / f"cold-start-{settings.release.version}.json").write_text(json.dumps(variants, indent=1))
    print(cold_start_table(variants))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    settings = load(args.qgis)
    if not healthy(settings.base_url):
        print(f"bench: nothing healthy at {settings.base_url}; run `make up` first", file=sys.stderr)
        return 2
    client = docker.from_env()
    if args.soak:
        return soak(client, settings, args.soak)
    if args.cold_start:
        return cold_start(client, settings, args.cold_start)
    plan = QUICK if (args.quick or args.smoke) else FULL
    if args.concurrency:
        plan = replace(plan, concurrencies=tuple(int(c) for c in args.concurrency.split(",")))
    if args.repeats:
        plan = replace(plan, repeats=args.repeats)
    if args.window:
        plan = replace(plan, window_s=args.window)
    workers = len(worker_pids(service_container(client, settings.project_name, "qgis-server")))
    workloads = [w for w in WORKLOADS if not args.workloads or w.name in args.workloads.split(",")]
    if args.smoke:
        workloads, plan = (
            [w for w in WORKLOADS if w.name == "GetFeatureInfo JSON"],
            Plan((1,), 0.5, 1.0, 1, 0),
        )
    version = settings.release.version
    specs = [s for s in peer_specs(workers) if not s.versions or version in s.versions]
    if args.peers == "none" or args.smoke:
        specs = []
    elif args.peers != "all":
        specs = [s for s in specs if s.name in args.peers.split(",")]
    started = time.monotonic()
    images = build_bench_images(client, settings, {s.image_target for s in specs} | {"loadgen"})
    peers = Peers(client, settings, lambda stage: images.get(stage) or settings.image("qgis-server"))
    peers.remove_all()
    labels = {"qgis-stack.bench": settings.project_name}
    gen = LoadGenerator(client, images["loadgen"], f"{settings.project_name}-bench-loadgen", labels)
    limit = Limit(peers)
    rows: list[report.Row] = []
    extra: dict = {"failures": []}
    kind = "-floor" if not workloads else ("-smoke" if args.smoke else "-quick" if args.quick else "")
    stem = f"bench-{version}{kind}"
    meta = {
        "qgis": version,
        "workers": workers,
        "role": ROLE,
        "cpus": os.cpu_count(),
        "host": platform.node(),
        "plan": plan.__dict__,
        "shared_machine": True,
    }

    def save(complete: bool) -> None:
        # Written after every workload, so a run that dies keeps what it measured.
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        done = {**meta, "complete": complete, "duration_s": time.monotonic() - started}
        report.write_json(REPORT_DIR / f"{stem}.json", done, rows, extra)

    names: list[str] = [report.LIMIT]
    try:
        stack = stack_target(client, settings)
        tiles = tuple(w.name for w in workloads if w.tile)
        targets = [stack, *([cached_stack_target(stack, tiles)] if tiles else [])] + [
            peers.start(s, i, settings.http_port + FIRST_PEER_PORT_OFFSET + i) for i, s in enumerate(specs)
        ]
        names = [report.LIMIT, *(t.name for t in targets)]
        print(
            f"bench: QGIS {version}, {workers} workers, {os.cpu_count()} CPUs ({platform.node()}), "
            f"role {ROLE}, targets: {', '.join(names)}; peers ready after {time.monotonic() - started:.0f} s"
        )
        print("bench: the machine is shared: numbers are comparable within this run only")
        for workload in workloads:
            workload_started = time.monotonic()
            if workload.cold:
                rows += cold_rows(
                    workload, [t for t in targets if not t.only_workloads], limit, plan.cold_repeats
                )
            else:
                rows += measure_workload(workload, targets, limit, gen, plan, extra["failures"])
            save(complete=False)
            print(
                f"bench: {workload.name} done in {time.monotonic() - workload_started:.0f} s "
                f"({time.monotonic() - started:.0f} s in all)",
                flush=True,
            )
        if not args.no_floor and not args.smoke:
            extra["floor"] = floor_rows(client, settings, gen, limit, stack, plan)
    finally:
        gen.remove()
        limit.remove()
        peers.remove_all()
    save(complete=True)
    if rows and not args.smoke:
        report.chart(
            REPORT_DIR / f"{stem}.png", rows, names, f"qgis-stack bench, QGIS {version}, {workers} workers"
        )
    print(report.table(rows, names))
    if "floor" in extra:
        print(report.floor_table(extra["floor"]))
    for failure in extra["failures"]:
        print(f"bench: FAILED {failure}")
    written = "json and .png" if rows and not args.smoke else "json"
    print(f"bench: {REPORT_DIR / stem}.{written} written in {time.monotonic() - started:.0f} s")
    return 1 if extra["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
