"""The limit: N fresh Python processes calling QgsServer.handleRequest directly, in a
clone of the stack's qgis-server container (same image, environment, project, plugins and
PostGIS), run concurrently so PostGIS contention counts (inprocess/limit.py)."""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from stack.bench.loadgen import LoadResult
from stack.bench.targets import BENCH_LABEL, DEMO_PROJECT, PRELOAD_SETTING, Peers
from stack.bench.workloads import ROLE
from stack.core.settings import ROLE_HEADER

SCRIPT_DIR = Path(__file__).with_name("inprocess")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


@dataclass
class LimitRun:
    result: LoadResult
    cpu_s: float
    hashes: dict[str, str]
    first_s: list[float]


class Limit:
    name = "limit (in-process)"
    max_concurrency = None
    versions: tuple[str, ...] = ()

    def __init__(self, peers: Peers, role: str = "limit") -> None:
        kwargs = peers.clone_kwargs()
        self.data_dir = Path(tempfile.mkdtemp(prefix="qgis-stack-bench-"))
        self.data_dir.chmod(0o755)
        kwargs["volumes"][str(SCRIPT_DIR)] = {"bind": "/bench", "mode": "ro"}
        kwargs["volumes"][str(self.data_dir)] = {"bind": "/bench-data", "mode": "ro"}
        env = [
            *kwargs.pop("environment"),
            f"BENCH_PROJECT_FILE={DEMO_PROJECT}",
            # As nginx passes the role of a signed-in user (see stack.bench.workloads.ROLE).
            f"BENCH_ROLE_HEADER={ROLE_HEADER}",
            f"BENCH_ROLE={ROLE}",
            # QgsServer as it comes: its first request loads the project (the cold workload).
            f"{PRELOAD_SETTING}=none",
        ]
        self.container = peers.client.containers.run(
            peers.source.image.id,
            ["sleep", "infinity"],
            name=f"{peers.settings.project_name}-bench-{role}",
            labels={BENCH_LABEL: peers.settings.project_name},
            environment=env,
            tmpfs={"/tmp": ""},
            healthcheck={"test": ["NONE"]},
            detach=True,
            **kwargs,
        )

    def run(self, queries: list[str], processes: int, warmup_s: float, window_s: float) -> LimitRun:
        path = self.data_dir / "queries.json"
        path.write_text(json.dumps(queries))
        path.chmod(0o644)
        command = [
            "python3",
            "/bench/limit.py",
            "/bench-data/queries.json",
            str(processes),
            str(warmup_s),
            str(window_s),
        ]
        # The entrypoint sets up libpq exactly as for the stack's workers, then runs this.
        outcome = self.container.exec_run(["qgis-server-entrypoint", *command], demux=True)
        stdout = (outcome.output[0] or b"").decode(errors="replace")
        if outcome.exit_code != 0:
            stderr = (outcome.output[1] or b"").decode(errors="replace")
            raise RuntimeError(f"in-process limit failed ({outcome.exit_code}): {stderr[-800:]}")
        data = json.loads(stdout.strip().splitlines()[-1])
        # The processes' own CPU within the window (not loading QGIS, not the warm-up).
        cpu = data["cpu_s"]
        latencies = data["latencies"]
        result = LoadResult(
            requests=len(latencies),
            seconds=data["window_s"],
            p50_ms=statistics.median(latencies) * 1000 if latencies else 0.0,
            p95_ms=percentile(latencies, 0.95) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            errors=data["errors"],
            loadgen_cpu_s=0.0,
        )
        return LimitRun(result, cpu, data["hashes"], data["first_s"])

    def remove(self) -> None:
        self.container.remove(force=True)
        for file in self.data_dir.iterdir():
            file.unlink()
        self.data_dir.rmdir()
