"""CPU time a container has used so far, read from its cgroup on the host (cheap, unlike
`docker stats`, which samples for a second)."""

from __future__ import annotations

from pathlib import Path

CGROUP_V1 = Path("/sys/fs/cgroup/cpuacct/docker")
CGROUP_V2 = Path("/sys/fs/cgroup/system.slice")


def cpu_seconds(container_id: str) -> float:
    """Total user + system CPU of the container's processes, including `docker exec`s."""
    v1 = CGROUP_V1 / container_id / "cpuacct.usage"
    if v1.is_file():
        return int(v1.read_text()) / 1e9
    v2 = CGROUP_V2 / f"docker-{container_id}.scope" / "cpu.stat"
    if v2.is_file():
        usage = next(line for line in v2.read_text().splitlines() if line.startswith("usage_usec"))
        return int(usage.split()[1]) / 1e6
    raise FileNotFoundError(f"no cgroup CPU accounting found for container {container_id[:12]}")


def total_cpu_seconds(container_ids: list[str]) -> float:
    return sum(cpu_seconds(cid) for cid in container_ids)
