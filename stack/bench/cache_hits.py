"""A tile cache hit against a render, in one run: for a WMTS tile and a 256² GetMap tile,
N renders (X-Stack-Cache: bypass, so QGIS renders each one) and N hits of the same tile,
one at a time on one keep-alive connection, as the bench's role; prints p50/p95 and the
ratio.

    python -m stack.bench.cache_hits [--qgis 3.40] [--count 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import requests

from stack.bench.workloads import ROLE, tile_queries, wmts_tile
from stack.core.settings import load
from stack.deploy.tile_cache import CACHE_BYPASS
from stack.provision.secrets import demo_user_passwords

DEFAULT_COUNT = 50


def timed_ms(session: requests.Session, url: str, headers: dict[str, str], expect: str) -> float:
    started = time.perf_counter()
    response = session.get(url, headers=headers, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    status = response.headers.get("X-Cache-Status", "")
    if response.status_code != 200 or not response.headers.get("Content-Type", "").startswith("image/"):
        raise RuntimeError(f"{url}: HTTP {response.status_code} {response.text[:200]}")
    if status != expect:
        raise RuntimeError(f"{url}: X-Cache-Status {status!r}, expected {expect!r}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(session: requests.Session, url: str, count: int) -> tuple[list[float], list[float]]:
    renders = [timed_ms(session, url, CACHE_BYPASS, "BYPASS") for _ in range(count)]
    session.get(url, timeout=120)  # stores it (a miss, or already a hit)
    hits = [timed_ms(session, url, {}, "HIT") for _ in range(count)]
    return renders, hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.bench.cache_hits", description=__doc__)
    parser.add_argument("--qgis", help="QGIS version of the running stack")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="requests of each kind")
    args = parser.parse_args(argv)
    settings = load(args.qgis)
    base = f"{settings.base_url}/ows/demo?"
    cases = {"WMTS GetTile": base + wmts_tile(), "WMS GetMap 256² tile": base + tile_queries()[0]}
    session = requests.Session()
    session.auth = (ROLE, demo_user_passwords(settings)[ROLE])  # the bench's role
    print(f"tile cache, QGIS {settings.release.version}, {args.count} requests each, one client, role {ROLE}")
    header = ("render p50", 11), ("render p95", 11), ("hit p50", 9), ("hit p95", 9), ("ratio p50", 10)
    print(f"{'request':<22}" + "".join(f" {title:>{width}}" for title, width in header))
    for name, url in cases.items():
        renders, hits = measure(session, url, args.count)
        render_p50, hit_p50 = statistics.median(renders), statistics.median(hits)
        print(
            f"{name:<22} {render_p50:>9.1f}ms {percentile(renders, 0.95):>9.1f}ms "
            f"{hit_p50:>7.2f}ms {percentile(hits, 0.95):>7.2f}ms {render_p50 / hit_p50:>9.0f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
