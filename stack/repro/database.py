"""The case's database: its dumps loaded once into a PostGIS database of its own, and the
pg_service entries that make the project's production names point at it.

Loading is idempotent: the database carries the dumps' checksum as its comment, and a
second run with the same dumps loads nothing. A dump that fails to load leaves no database
behind (the next run tries again) and never touches the demo database.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path

import docker

from stack.core.console import say, step
from stack.core.settings import Settings
from stack.deploy.containers import service_container
from stack.repro.case import Case, CaseError

MARKER = "# --- make repro: services of the case being reproduced"
USER_SERVICE_FILE = "/tmp/qgis-home/.pg_service.conf"  # the qgis user's home (tmpfs)


def checksum(case: Case) -> str:
    digest = hashlib.sha256()
    for dump in case.dumps:
        digest.update(dump.name.encode() + b"\0" + dump.read_bytes())
    return "repro:" + digest.hexdigest()[:32]


def _exec(container: str, args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    # The docker CLI, because the SDK cannot stream a file to a command's stdin.
    return subprocess.run(["docker", "exec", "-i", container, *args], input=stdin, capture_output=True)


def _psql(container: str, database: str, sql: str) -> str:
    result = _exec(container, ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql])
    if result.returncode != 0:
        raise CaseError(f"PostGIS: {sql[:80]}: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout.decode().strip()


def load_dumps(client: docker.DockerClient, settings: Settings, case: Case, fresh: bool = False) -> None:
    """Load the dumps unless they are loaded; `fresh` reloads them (requests that write)."""
    if not case.dumps:
        return
    postgis = service_container(client, settings.project_name, "postgis").name
    database = case.database
    wanted = checksum(case)
    exists = _psql(postgis, "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    if exists:
        comment = _psql(
            postgis,
            "postgres",
            f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'",
        )
        if comment == wanted and not fresh:
            say(f"database {database}: dumps already loaded")
            return
        _psql(postgis, "postgres", f'DROP DATABASE "{database}" WITH (FORCE)')
    with step(f"loading {len(case.dumps)} dump(s) into database {database}"):
        _psql(postgis, "postgres", f'CREATE DATABASE "{database}" OWNER "{settings.postgres_user}"')
        try:
            _psql(postgis, database, "CREATE EXTENSION IF NOT EXISTS postgis")
            for dump in case.dumps:
                _load_one(postgis, database, dump)
            _psql(
                postgis, database, f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{settings.postgres_user}"'
            )
            _grant_schemas(postgis, settings, database)
            _psql(postgis, "postgres", f"COMMENT ON DATABASE \"{database}\" IS '{wanted}'")
        except CaseError:
            _psql(postgis, "postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            raise


def _load_one(postgis: str, database: str, dump: Path) -> None:
    data = dump.read_bytes()
    if data.startswith(b"PGDMP"):
        args = ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "-d", database]
    else:
        args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", database]
    result = _exec(postgis, args, stdin=data)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise CaseError(f"{dump}: the dump does not load into {database}: " + " / ".join(detail))


def _grant_schemas(postgis: str, settings: Settings, database: str) -> None:
    """Restored objects belong to the superuser: the stack's role must read and edit them."""
    role = settings.postgres_user
    schemas = _psql(
        postgis,
        database,
        "SELECT nspname FROM pg_namespace"
        " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    ).split()
    for schema in schemas:
        _psql(
            postgis,
            database,
            f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"; '
            f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"; '
            f'GRANT ALL ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        )


def service_entries(settings: Settings, case: Case) -> str:
    """pg_service entries: the case's production names → its own database on the stack's PostGIS."""
    lines = [MARKER]
    for name in (*case.services, case.service):
        lines += [
            f"[{name}]",
            "host=postgis",
            "port=5432",
            f"dbname={case.database}",
            f"user={settings.postgres_user}",
            f"application_name=repro-{case.name}",
            "sslmode=disable",
            "connect_timeout=5",
        ]
    return "\n".join(lines) + "\n"


def install_services(client: docker.DockerClient, settings: Settings, case: Case) -> None:
    """Append the entries to the QGIS user's service file, replacing an earlier case's.

    libpq reads ~/.pg_service.conf at every connection, so workers see them at once."""
    qgis = service_container(client, settings.project_name, "qgis-server")
    encoded = base64.b64encode(service_entries(settings, case).encode()).decode()
    script = (
        f'set -e; f={USER_SERVICE_FILE}; touch "$f"; '
        f'sed -i \'/^{MARKER}/,$d\' "$f"; echo {encoded} | base64 -d >> "$f"'
    )
    code, output = qgis.exec_run(["bash", "-c", script])
    if code != 0:
        raise CaseError(
            f"could not write {USER_SERVICE_FILE} in {qgis.name}: {output.decode(errors='replace')}"
        )
