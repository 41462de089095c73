"""A psycopg connection to the stack's own PostGIS, for cross-checking what QGIS serves.

PostGIS is not published on the host: the harness reaches the container's address on the
compose network, with the password from the stack's secret file.
"""

from __future__ import annotations

import docker
import psycopg
from psycopg import sql

from stack.core.errors import StackError
from stack.core.settings import Settings
from stack.deploy.containers import service_container


def postgis_address(client: docker.DockerClient, settings: Settings) -> str:
    try:
        container = service_container(client, settings.project_name, "postgis")
    except LookupError as error:
        raise StackError(f"{error}: is the stack up?") from None
    networks = container.attrs["NetworkSettings"]["Networks"]
    # The backend network has no host-side address (QGIS must not reach the host through
    # it): the host reaches PostGIS on the admin network.
    admin = f"{settings.project_name}_admin"
    return (networks.get(admin) or next(iter(networks.values())))["IPAddress"]


def connect(client: docker.DockerClient, settings: Settings) -> psycopg.Connection:
    return psycopg.connect(
        host=postgis_address(client, settings),
        port=5432,
        user=settings.postgres_user,
        dbname=settings.postgres_db,
        password=settings.password_file.read_text().strip(),
        application_name="qgis-stack-tests",
        connect_timeout=10,
        autocommit=True,
    )


def table_identifier(table: str) -> sql.Identifier:
    """'demo.places' → "demo"."places"; a bare name is in public."""
    schema, _, name = table.rpartition(".")
    return sql.Identifier(schema or "public", name)


def count_rows(connection: psycopg.Connection, table: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {}").format(table_identifier(table))
    row = connection.execute(query).fetchone()
    assert row is not None
    return int(row[0])
