"""Soak mode (make bench SOAK=20000): a bounded number of requests through the stack, a
mix of the workloads, with every worker's RSS sampled as it goes — growth shows a leak."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle, islice
from pathlib import Path

import docker
import requests

from stack.bench.workloads import ROLE, WORKLOADS
from stack.core.settings import REPO_ROOT, Settings
from stack.deploy.containers import service_container
from stack.deploy.tile_cache import CACHE_BYPASS
from stack.deploy.workers import worker_pids
from stack.provision.secrets import demo_user_passwords

SAMPLES = 40
TIME_LIMIT_S = 3600


def worker_rss_mib(container) -> dict[int, float]:
    sizes = {}
    for pid in sorted(worker_pids(container)):
        status = container.exec_run(["cat", f"/proc/{pid}/status"]).output.decode()
        kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
        sizes[pid] = kib / 1024
    return sizes


def status_of(session: requests.Session, url: str) -> int:
    """The answer's status; 0 when there was none (the connection failed): an error too."""
    try:
        return session.get(url, timeout=120).status_code
    except requests.RequestException:
        return 0


def write(out: Path, settings: Settings, workers: int, errors: int, curve: list[dict]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {"qgis": settings.release.version, "workers": workers, "errors": errors, "curve": curve}
    out.write_text(json.dumps(summary, indent=1))


def soak(client: docker.DockerClient, settings: Settings, total: int) -> int:
    container = service_container(client, settings.project_name, "qgis-server")
    workers = len(worker_pids(container))
    queries = [q for w in WORKLOADS if not w.cold and w.name != "WFS all places" for q in w.queries]
    url = f"{settings.base_url}/ows/demo"
    session = requests.Session()
    session.auth = (ROLE, demo_user_passwords(settings)[ROLE])
    session.headers.update(CACHE_BYPASS)  # QGIS renders every request: its memory is the point
    errors = 0
    done = 0
    curve = []
    started = time.monotonic()
    batch = max(1, total // SAMPLES)
    stream = cycle(queries)
    out = REPO_ROOT / "reports" / "bench" / f"soak-{settings.release.version}.json"
    print(f"soak: {total} requests, {workers} concurrent, RSS of each worker every {batch}")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while done < total and time.monotonic() - started < TIME_LIMIT_S:
            chunk = list(islice(stream, min(batch, total - done)))
            statuses = list(pool.map(lambda q: status_of(session, f"{url}?{q}"), chunk))
            errors += sum(s != 200 for s in statuses)
            done += len(chunk)
            rss = worker_rss_mib(container)
            curve.append(
                {
                    "requests": done,
                    "seconds": time.monotonic() - started,
                    "rss_mib": list(rss.values()),
                    "pids": list(rss),
                }
            )
            write(out, settings, workers, errors, curve)  # each sample: a soak cut short keeps its curve
            print(
                f"soak: {done:6} requests {time.monotonic() - started:6.0f} s  errors {errors}  "
                f"RSS {' '.join(f'{m:.0f}' for m in rss.values())} MiB",
                flush=True,
            )
    print(f"soak: {out} written")
    return 1 if errors else 0
