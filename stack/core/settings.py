"""Where the stack's settings come from: command line > environment > .env > defaults.

.env.example documents every variable; this module reads only the few the CLI itself
needs and computes what docker compose needs on top of .env.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stack.core.errors import StackError
from stack.core.versions import QgisRelease, release_for

REPO_ROOT = Path(__file__).resolve().parents[2]
# The images the stack builds, each tagged <image repo>/<service>:<QGIS version>.
SERVICES = ("postgis", "demo-project", "qgis-server", "nginx")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; comments, blanks and surrounding quotes dropped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


# Docker's json-file log of each container is rotated: every request writes a line, and
# an unrotated log fills the disk of a busy server. Kept: size times files per container.
LOG_ROTATION = {
    "STACK_LOG_MAX_SIZE": "10m",
    "STACK_LOG_MAX_FILES": "5",
}

# Container limits, each overridable in .env or the environment (.env.example says how to size
# them). Docker's sizes (256m, 2g) and durations (30s).
CONTAINER_LIMITS = {
    "QGIS_SERVER_MEM_LIMIT": "2g",
    "POSTGIS_MEM_LIMIT": "1g",
    "NGINX_MEM_LIMIT": "256m",
    "DEMO_PROJECT_MEM_LIMIT": "1g",
    # How long `docker stop` lets QGIS workers finish their requests before killing them.
    "QGIS_SERVER_STOP_GRACE_PERIOD": "30s",
    **LOG_ROTATION,
}

# The QGIS workers' FastCGI port: compose gives it to qgis-server and, as the address to
# send requests to, to nginx.
FCGI_PORT = 9993
# On one host (compose) nginx reaches the workers through a Unix socket in a volume the two
# containers share instead: no TCP through Docker's bridge and its netfilter rules, about
# 5 % more requests a second on this machine for small and large answers alike. Swarm,
# whose nginx and QGIS tasks may run on different nodes, keeps the port.
FCGI_SOCKET = "/run/qgis-fcgi/qgis.sock"

# The request header that carries the role to the stack_access plugin. nginx sets it (as
# HTTP_X_QGIS_STACK_ROLE) from the signed-in user and drops a client's own; servers without
# our nginx in front, like make bench's peers, are sent it directly.
ROLE_HEADER = "X-Qgis-Stack-Role"


@dataclass(frozen=True)
class Settings:
    root: Path
    release: QgisRelease
    project_name: str
    http_bind: str
    http_port: int
    secrets_dir: Path
    projects_dir: Path
    plugins_dir: Path
    access_dir: Path
    repro_dir: Path  # reproduction cases staged by `make repro`, one folder each
    pg_service_file: Path  # the user's own libpq services (the stack's own is generated)
    pg_service: str  # the service name of the stack's PostGIS, as the demo project names it
    postgres_user: str
    postgres_db: str
    debian_mirror: str
    image_repo: str  # images are <image_repo>/<service>:<QGIS version>
    limits: tuple[tuple[str, str], ...]  # CONTAINER_LIMITS as configured (hashable, as Settings is)

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.http_bind in ("0.0.0.0", "") else self.http_bind
        return f"http://{host}:{self.http_port}"

    def image(self, service: str) -> str:
        return f"{self.image_repo}/{service}:{self.release.version}"

    @property
    def password_file(self) -> Path:
        return self.secrets_dir / "postgres_password"

    @property
    def pgdata_volume(self) -> str:
        return f"{self.project_name}_pgdata_{self.release.suite}"

    def compose_env(self) -> dict[str, str]:
        """What docker-compose.yml requires (its ${…:?} variables), all decided here."""
        return {
            "COMPOSE_PROJECT_NAME": self.project_name,
            "STACK_IMAGE_REPO": self.image_repo,
            "QGIS_VERSION": self.release.version,
            "DEBIAN_SUITE": self.release.suite,
            "APT_CHECK_VALID_UNTIL": str(self.release.apt_check_valid_until).lower(),
            "STACK_HTTP_BIND": self.http_bind,
            "STACK_HTTP_PORT": str(self.http_port),
            "STACK_SECRETS_DIR": str(self.secrets_dir),
            "STACK_PROJECTS_DIR": str(self.projects_dir),
            "STACK_PLUGINS_DIR": str(self.plugins_dir),
            "STACK_ACCESS_DIR": str(self.access_dir),
            "STACK_REPRO_DIR": str(self.repro_dir),
            "STACK_PG_SERVICE_FILE": str(self.pg_service_file),
            "STACK_PG_SERVICE": self.pg_service,
            "POSTGRES_USER": self.postgres_user,
            "POSTGRES_DB": self.postgres_db,
            "QGIS_FCGI_PORT": str(FCGI_PORT),
            "QGIS_FCGI_SOCKET": FCGI_SOCKET,
            **dict(self.limits),
        }


def load(qgis: str | None = None, root: Path = REPO_ROOT, env_file: str = ".env") -> Settings:
    file_values = read_env_file(root / env_file)

    def get(name: str, default: str) -> str:
        return os.environ.get(name) or file_values.get(name) or default

    def folder(name: str, default: str) -> Path:
        path = Path(get(name, default))
        return path if path.is_absolute() else root / path

    port = get("STACK_HTTP_PORT", "8080")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise StackError(f"STACK_HTTP_PORT must be a TCP port number (got '{port}')")
    return Settings(
        root=root,
        release=release_for(qgis or get("QGIS", "")),
        project_name=get("COMPOSE_PROJECT_NAME", "qgis-stack"),
        http_bind=get("STACK_HTTP_BIND", "127.0.0.1"),
        http_port=int(port),
        secrets_dir=folder("STACK_SECRETS_DIR", ".secrets"),
        projects_dir=folder("STACK_PROJECTS_DIR", "projects"),
        plugins_dir=folder("STACK_PLUGINS_DIR", "plugins"),
        access_dir=folder("STACK_ACCESS_DIR", "access"),
        repro_dir=folder("STACK_REPRO_DIR", ".repro"),
        pg_service_file=folder("STACK_PG_SERVICE_FILE", "qgis-server/pg_service.conf"),
        pg_service=get("STACK_PG_SERVICE", "qgis-stack"),
        postgres_user=get("POSTGRES_USER", "qgis"),
        postgres_db=get("POSTGRES_DB", "gis"),
        debian_mirror=get("STACK_DEBIAN_MIRROR", "http://deb.debian.org/debian"),
        image_repo=get("STACK_IMAGE_REPO", "qgis-stack"),
        limits=tuple((name, get(name, default)) for name, default in CONTAINER_LIMITS.items()),
    )
