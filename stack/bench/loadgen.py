"""The load generator: wrk (Debian package) in its own container on the host network,
closed loop with as many connections as the concurrency, one thread so it stays small.
Its CPU is measured like the targets' so the report can show what the load itself cost."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.models.containers import Container

from stack.bench.cpu import cpu_seconds

LUA = Path(__file__).with_name("wrk_urls.lua")
WORKDIR = "/tmp/bench"
# A request still running after this long counts as a timeout error.
REQUEST_TIMEOUT_S = 60


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    loadgen_cpu_s: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def put_file(container: Container, path: str, data: bytes) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(Path(path).name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    container.put_archive(str(Path(path).parent), buffer.getvalue())


class LoadGenerator:
    def __init__(self, client: docker.DockerClient, image: str, name: str, labels: dict[str, str]) -> None:
        self.container = client.containers.run(
            image, name=name, labels=labels, network_mode="host", detach=True, auto_remove=False
        )
        self.container.exec_run(["mkdir", "-p", WORKDIR])
        put_file(self.container, f"{WORKDIR}/urls.lua", LUA.read_bytes())

    def run(
        self,
        base_url: str,
        paths: list[str],
        concurrency: int,
        seconds: float,
        headers: dict[str, str] | None = None,
    ) -> LoadResult:
        put_file(self.container, f"{WORKDIR}/paths.txt", ("\n".join(paths) + "\n").encode())
        before = cpu_seconds(self.container.id)
        command = [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={REQUEST_TIMEOUT_S}s",
            "-s",
            f"{WORKDIR}/urls.lua",
            *(f"-H{name}: {value}" for name, value in (headers or {}).items()),
            base_url,
            "--",
            f"{WORKDIR}/paths.txt",
        ]
        result = self.container.exec_run(command)
        used = cpu_seconds(self.container.id) - before
        output = result.output.decode(errors="replace")
        line = next((x for x in output.splitlines() if x.startswith("BENCH_JSON ")), None)
        if result.exit_code != 0 or line is None:
            raise RuntimeError(f"wrk failed ({result.exit_code}): {output[-400:]}")
        data = json.loads(line.removeprefix("BENCH_JSON "))
        errors = sum(v for k, v in data.items() if k.startswith("errors_"))
        return LoadResult(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            p50_ms=data["p50_us"] / 1000,
            p95_ms=data["p95_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            errors=errors,
            loadgen_cpu_s=used,
        )

    def remove(self) -> None:
        self.container.remove(force=True)
