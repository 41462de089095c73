"""Waiting on conditions with a deadline, never on the clock alone."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], timeout_s: float, interval_s: float = 0.5) -> bool:
    """Poll `condition` until it is true or `timeout_s` passes; return its last answer."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


def http_status(url: str, timeout_s: float = 5.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def healthy(base_url: str) -> bool:
    return http_status(f"{base_url}/healthz") == 200
