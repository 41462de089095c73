"""Busy and running QGIS workers, seen from inside the container."""

from __future__ import annotations

from pathlib import Path

WORKER_BINARY = b"qgis_mapserv.fcgi"


def running_workers(proc: Path = Path("/proc")) -> int:
    count = 0
    for cmdline in proc.glob("[0-9]*/cmdline"):
        try:
            argv0 = cmdline.read_bytes().split(b"\0", 1)[0]
        except OSError:
            continue  # the process ended while we looked
        if argv0.endswith(WORKER_BINARY):
            count += 1
    return count


def busy_workers(busy_dir: Path) -> int:
    """stack_guard keeps one marker file per worker (named by its pid), empty while idle."""
    try:
        return sum(1 for path in busy_dir.iterdir() if path.name.isdigit() and _holds_text(path))
    except OSError:
        return 0


def _holds_text(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False  # the worker ended while we looked
