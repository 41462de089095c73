"""What the CLI prints: one line per step with its duration; the detail goes to a log file.

`say` prints a line with one prefix, so users can tell ours from docker's. `step` times a
step. `run_logged` runs a command inside a step with its output appended to the log file,
showing a live progress line on a terminal, and on failure the log's tail. VERBOSE=1
streams every command's output instead, as a plain `docker compose` would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from stack.core.errors import StackError

PREFIX = "stack: "
TAIL_LINES = 25
PROGRESS_INTERVAL_S = 0.5


def say(message: str) -> None:
    print(f"{PREFIX}{message}", file=sys.stderr, flush=True)


def verbose() -> bool:
    return os.environ.get("VERBOSE", "") not in ("", "0")


class Log:
    """The file every command's output goes to; its path is printed once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.announced = False

    def announce(self) -> None:
        if not self.announced and not verbose():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            say(f"details in {self.path}")
            self.announced = True

    def tail(self, lines: int = TAIL_LINES) -> str:
        try:
            return "\n".join(self.path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextmanager
def step(what: str, log: Path | None = None) -> Iterator[None]:
    """One line per step: `stack: <what> (12 s)`, or `stack: <what>: failed after 12 s`.
    On a terminal a live line shows the seconds so far (and the log's last line) meanwhile;
    elsewhere (CI) a line says when the step starts."""
    started = time.monotonic()
    live = sys.stderr.isatty() and not verbose()
    done = threading.Event()
    progress = threading.Thread(target=_show_progress, args=(what, log, started, done), daemon=True)
    if live:
        progress.start()
    else:
        say(f"{what} …")
    try:
        yield
    except BaseException:
        done.set()
        if live:
            progress.join()
        say(f"{what}: failed after {time.monotonic() - started:.0f} s")
        raise
    done.set()
    if live:
        progress.join()
    say(f"{what} ({time.monotonic() - started:.0f} s)")


def _last_line(path: Path) -> str:
    try:
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - 400))
            lines = file.read().decode(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


def _show_progress(what: str, log: Path | None, started: float, done: threading.Event) -> None:
    """A live line on a terminal: the step, the seconds so far, and the log's last line."""
    width = 100
    while not done.wait(PROGRESS_INTERVAL_S):
        detail = _last_line(log) if log else ""
        line = f"{PREFIX}{what} … {time.monotonic() - started:.0f} s  {detail}"
        sys.stderr.write("\r" + line[:width].ljust(width))
        sys.stderr.flush()
    sys.stderr.write("\r" + " " * width + "\r")
    sys.stderr.flush()


def run_logged(
    command: Sequence[str],
    what: str,
    log: Log,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    check: bool = True,
) -> int:
    """Run `command` as one step; its output goes to the log (or the terminal with VERBOSE=1)."""
    if not verbose():
        log.announce()
    with step(what, None if verbose() else log.path):
        if verbose():
            code = subprocess.run(list(command), env=env, cwd=cwd).returncode
        else:
            with log.path.open("a") as output:
                output.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} {what}: {' '.join(command)}\n")
                output.flush()
                code = subprocess.run(
                    list(command),
                    env=env,
                    cwd=cwd,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                ).returncode
        if check and code != 0:
            tail = "" if verbose() else f"\nlast lines of {log.path}:\n{log.tail()}"
            raise StackError(f"{what} failed (exit {code}: {' '.join(command)}){tail}")
    return code
