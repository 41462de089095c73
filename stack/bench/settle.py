"""Waiting for the machine to go quiet before each window. When a window ends, the server
measured in it is still working on the requests in flight (a slow peer for seconds: a WFS
of all places takes py-qgis-server 2 to 4 s), and that work must not be charged to whichever
target comes next."""

from __future__ import annotations

import os
import time
from pathlib import Path

from stack.core.waiting import wait_until

PROC_STAT = Path("/proc/stat")
# The idle stack and Docker use under a tenth of a core (health checks, the cache watcher).
QUIET_CORES = 0.3
SAMPLE_S = 0.5
TIMEOUT_S = 120.0


def _busy_and_total() -> tuple[int, int]:
    """Jiffies spent busy and in all, over every CPU (steal, another guest's time, is neither)."""
    fields = [int(value) for value in PROC_STAT.read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    steal = fields[7] if len(fields) > 7 else 0
    total = sum(fields[:8]) - steal
    return total - idle, total


def busy_cores(sample_s: float = SAMPLE_S) -> float:
    """How many CPUs' worth of work the machine did over the next sample_s seconds."""
    busy_before, total_before = _busy_and_total()
    time.sleep(sample_s)  # the measurement interval, not a wait for something to happen
    busy_after, total_after = _busy_and_total()
    elapsed = max(1, total_after - total_before)
    return (os.cpu_count() or 1) * (busy_after - busy_before) / elapsed


def settle(timeout_s: float = TIMEOUT_S) -> bool:
    """True once the machine is quiet; False if it is still busy after timeout_s."""
    return wait_until(lambda: busy_cores() < QUIET_CORES, timeout_s=timeout_s, interval_s=0)
