"""PostGIS reachability for qgis_stack_postgis_up: SELECT 1 through the stack's pg_service."""

from __future__ import annotations

import time

PROBE_TIMEOUT_S = 2  # libpq's smallest connect_timeout


def probe(service: str) -> tuple[bool, float]:
    """(answered, seconds taken); never raises, never waits much longer than the timeout."""
    started = time.monotonic()
    if not service:
        return False, 0.0
    try:
        import psycopg2  # a python3-qgis dependency, so in the image

        connection = psycopg2.connect(
            service=service,
            connect_timeout=PROBE_TIMEOUT_S,
            options=f"-c statement_timeout={PROBE_TIMEOUT_S * 1000}",
            application_name="qgis-stack-metrics",
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        finally:
            connection.close()
    except Exception:
        return False, time.monotonic() - started
    return True, time.monotonic() - started
