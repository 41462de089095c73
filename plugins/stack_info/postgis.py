"""Does PostGIS answer? A `SELECT 1` through a pg_service, with a hard time limit.

The health check must never hang: libpq's connect_timeout bounds the connection, a
statement_timeout bounds the query, and the probe runs in a thread that the caller stops
waiting for after timeout_s anyway (host name lookups are not covered by connect_timeout).
A probe still stuck from an earlier call is not doubled: the next call reports it.
"""

from __future__ import annotations

import threading
import time

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
    started = time.monotonic()
    try:
        import psycopg2  # in the image as a python3-qgis dependency; imported late so
        # that a missing module is a report, not a plugin that fails to load
    except ImportError:
        result.update(reachable=False, error="psycopg2 is not installed: cannot check")
        return
    try:
        # Keywords override the service file's values (its connect_timeout included).
        connection = psycopg2.connect(
            service=service,
            connect_timeout=max(2, int(timeout_s)),  # libpq's minimum is 2 s
            options=f"-c statement_timeout={int(timeout_s * 1000)}",
            application_name="qgis-stack-health",
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        finally:
            connection.close()
    except Exception as error:
        # libpq's messages span lines ("connection to server ... failed: ..."); keep the gist.
        message = " ".join(str(error).split())
        result.update(reachable=False, error=message[:300] or type(error).__name__)
        return
    result.update(reachable=True, latency_ms=round((time.monotonic() - started) * 1000, 1))
