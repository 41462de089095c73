"""Debian's chromium: found, installed when missing (as root, with apt), and started headless.

The browser tests need a real browser; a fresh CI machine gets it from Debian rather than
from a browser download. It listens for DevTools on a port it picks itself and writes into
DevToolsActivePort, so parallel runs never collide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stack.core.console import say
from stack.core.errors import StackError
from stack.core.waiting import wait_until

PACKAGE = "chromium"  # Debian's package and binary name
START_TIMEOUT_S = 30
WINDOW = (1200, 800)


def chromium_binary() -> str:
    """The chromium binary, installing Debian's package when it is missing and we are root."""
    found = shutil.which(PACKAGE)
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise StackError(
            f"no `{PACKAGE}` here: install Debian's package (`apt-get install {PACKAGE}`) "
            "or deselect the browser tests with -m 'not browser'"
        )
    say(f"installing Debian's {PACKAGE} for the browser tests (apt-get install {PACKAGE})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", PACKAGE]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StackError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    found = shutil.which(PACKAGE)
    if not found:
        raise StackError(f"apt-get installed {PACKAGE} but there is no `{PACKAGE}` on PATH")
    return found


@dataclass(frozen=True)
class RunningBrowser:
    process: subprocess.Popen[bytes]
    devtools_url: str  # http://127.0.0.1:<port>


@contextmanager
def headless_chromium(binary: str, extra_flags: list[str] | None = None) -> Iterator[RunningBrowser]:
    with tempfile.TemporaryDirectory(prefix="qgis-stack-chromium-") as profile:
        active_port = Path(profile) / "DevToolsActivePort"
        process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                *(extra_flags or []),
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            started = wait_until(
                lambda: process.poll() is not None or _port_written(active_port), START_TIMEOUT_S, 0.1
            )
            if process.poll() is not None or not started:
                raise StackError(f"{binary} did not open its DevTools port within {START_TIMEOUT_S} s")
            port = active_port.read_text().split()[0]
            yield RunningBrowser(process, f"http://127.0.0.1:{port}")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _port_written(path: Path) -> bool:
    try:
        return bool(path.read_text().split())
    except OSError:
        return False
