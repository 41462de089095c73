"""Does PostGIS answer? A `SELECT 1` through a pg_service, with a hard time limit.

The health check must never hang: libpq's connect_timeout bounds the connection, a
statement_timeout bounds the query, and the probe runs in a thread that the caller stops
waiting for after timeout_s anyway (host name lookups are not covered by connect_timeout).
A probe still stuck from an earlier call is not doubled: the next call reports it.
"""

from __future__ import annotations

import threading

from stack_plugin_kit.postgis import select_one

_stuck_probe: threading.Thread | None = None


def check_postgis(service: str, timeout_s: float = 2.0) -> dict[str, object]:
    global _stuck_probe
    if not service:
        return {"checked": False}
    if _stuck_probe is not None and _stuck_probe.is_alive():
        return {"checked": True, "service": service, "reachable": False, "error": "an earlier check hangs"}
    result: dict[str, object] = {"checked": True, "service": service}
    probe = threading.Thread(target=_probe, args=(service, timeout_s, result), daemon=True)
    probe.start()
    probe.join(timeout_s + 0.5)
    if probe.is_alive():
        _stuck_probe = probe
        return {**result, "reachable": False, "error": f"no answer within {timeout_s:g} s"}
    return result


def _probe(service: str, timeout_s: float, result: dict[str, object]) -> None:
    try:
        seconds = select_one(service, "qgis-stack-health", timeout_s)
    except ImportError:
        result.update(reachable=False, error="psycopg2 is not installed: cannot check")
        return
    except Exception as error:
        # libpq's messages span lines ("connection to server ... failed: ..."); keep the gist.
        message = " ".join(str(error).split())
        result.update(reachable=False, error=message[:300] or type(error).__name__)
        return
    result.update(reachable=True, latency_ms=round(seconds * 1000, 1))
