"""Is the stack answering? /healthz through nginx is the one verdict."""

from __future__ import annotations

import urllib.error
import urllib.request


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
