"""make bench: figures for the running stack — latency, throughput, worker memory, image sizes.

Loopback only, bounded request counts. Prints a table; asserts nothing (targets live here,
not in timed tests).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import docker
import requests

from stack.core.settings import SERVICES, Settings, load
from stack.deploy import lifecycle
from stack.deploy.containers import service_container
from stack.deploy.health import healthy
from stack.deploy.workers import worker_pids

WORLD = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetMap",
    "LAYERS": "ocean,countries,rivers",
    "STYLES": "",
    "CRS": "EPSG:4326",
    "BBOX": "-90,-180,90,180",
    "WIDTH": "512",
    "HEIGHT": "256",
    "FORMAT": "image/png",
}
EUROPE_3857 = {
    **WORLD,
    "LAYERS": "demo",
    "CRS": "EPSG:3857",
    "BBOX": "-1000000,4000000,3000000,7500000",
    "WIDTH": "512",
    "HEIGHT": "448",
}
CAPABILITIES = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetCapabilities"}
ALL_PLACES = {
    "SERVICE": "WFS",
    "VERSION": "1.1.0",
    "REQUEST": "GetFeature",
    "TYPENAME": "places",
    "OUTPUTFORMAT": "application/json",
}


def timed_get(url: str, params: dict[str, str]) -> float:
    started = time.perf_counter()
    response = requests.get(url, params=params, timeout=120)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{params.get('REQUEST')} answered {response.status_code}: {response.text[:200]}")
    return elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latency_row(name: str, measure: Callable[[], float], count: int) -> str:
    times = [measure() for _ in range(count)]
    return (
        f"{name:34} n={count:<3} p50 {statistics.median(times) * 1000:7.0f} ms"
        f"   p95 {percentile(times, 0.95) * 1000:7.0f} ms"
    )


def throughput_row(url: str, params: dict[str, str], concurrency: int, count: int) -> str:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        times = list(pool.map(lambda _: timed_get(url, params), range(count)))
    wall = time.perf_counter() - started
    return (
        f"GetMap 512x448 3857, {concurrency:2} concurrent  n={count:<3} {count / wall:6.1f} req/s"
        f"   p95 {percentile(times, 0.95) * 1000:7.0f} ms"
    )


def worker_rss_mib(container) -> list[float]:
    sizes = []
    for pid in sorted(worker_pids(container)):
        status = container.exec_run(["cat", f"/proc/{pid}/status"]).output.decode()
        rss_kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
        sizes.append(rss_kib / 1024)
    return sizes


def first_request_after_restart(client: docker.DockerClient, settings: Settings, url: str) -> float:
    """A fresh worker must read the project first: the slow first request users report."""
    container = service_container(client, settings.project_name, "qgis-server")
    container.restart()
    if not lifecycle.wait_until_healthy(settings):
        raise RuntimeError("qgis-server did not come back after a restart")
    return timed_get(url, CAPABILITIES)


def image_sizes(client: docker.DockerClient, settings: Settings) -> list[str]:
    rows = []
    for name in SERVICES:
        tag = settings.image(name)
        try:
            size = client.images.get(tag).attrs["Size"] / 1_000_000
            rows.append(f"image {tag:34} {size:7.0f} MB")
        except docker.errors.ImageNotFound:
            rows.append(f"image {tag:34} (not built)")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--qgis", help="QGIS version of the running stack")
    parser.add_argument("--requests", type=int, default=40, help="requests per measurement")
    args = parser.parse_args(argv)
    settings = load(args.qgis)
    url = f"{settings.base_url}/ows/demo"
    if not healthy(settings.base_url):
        print(f"bench: nothing healthy at {settings.base_url}; run `make up` first", file=sys.stderr)
        return 2
    client = docker.from_env()
    container = service_container(client, settings.project_name, "qgis-server")
    workers = len(worker_pids(container))
    count = args.requests

    print(f"qgis-stack bench — QGIS {settings.release.version}, {workers} workers, {url}")
    first = first_request_after_restart(client, settings, url)
    print(f"first GetCapabilities after restart   {first * 1000:7.0f} ms")
    container = service_container(client, settings.project_name, "qgis-server")
    for _ in range(2 * workers):  # every worker has the project loaded before timing
        timed_get(url, CAPABILITIES)
    rss_before = worker_rss_mib(container)
    print(latency_row("GetCapabilities (warm)", lambda: timed_get(url, CAPABILITIES), count))
    print(latency_row("GetMap 512x256 world 4326", lambda: timed_get(url, WORLD), count))
    print(latency_row("GetMap 512x448 Europe 3857, labels", lambda: timed_get(url, EUROPE_3857), count))
    print(
        latency_row("WFS GetFeature places (7,322)", lambda: timed_get(url, ALL_PLACES), max(5, count // 8))
    )
    for concurrency in (workers, 2 * workers):
        print(throughput_row(url, EUROPE_3857, concurrency, count))
    rss_after = worker_rss_mib(container)
    print(f"worker RSS before load  {', '.join(f'{m:.0f}' for m in rss_before)} MiB")
    print(f"worker RSS after load   {', '.join(f'{m:.0f}' for m in rss_after)} MiB")
    for row in image_sizes(client, settings):
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
