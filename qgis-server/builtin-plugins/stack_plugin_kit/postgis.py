"""Does PostGIS answer? One `SELECT 1` through a pg_service, bounded in time: the probe of
stack_info's health report and of the metrics exporter's qgis_stack_postgis_up."""

from __future__ import annotations

import time

TIMEOUT_S = 2.0  # libpq's smallest connect_timeout


def select_one(service: str, application_name: str, timeout_s: float = TIMEOUT_S) -> float:
    """Seconds a connection and a `SELECT 1` took. Raises what psycopg2 raises, and
    ImportError when psycopg2 (a python3-qgis dependency) is missing. Host name lookups are
    not covered by libpq's connect_timeout: callers that must never hang run it in a thread."""
    import psycopg2  # imported late: a missing module is the caller's report, not an import error

    started = time.monotonic()
    # Keywords override the service file's values (its connect_timeout included).
    connection = psycopg2.connect(
        service=service,
        connect_timeout=max(2, int(timeout_s)),
        options=f"-c statement_timeout={int(timeout_s * 1000)}",
        application_name=application_name,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return time.monotonic() - started
