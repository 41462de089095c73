"""Deployment settings: command line > environment > .env.staging > these defaults.

.env.staging.example documents every variable. Each one is handed to `docker stack deploy`
as an environment variable for swarm/stack.yml; a few also steer `make deploy` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from stack.core.errors import StackError
from stack.core.settings import LOG_ROTATION, REPO_ROOT, Settings, load, read_env_file

ENV_FILE = ".env.staging"
STACK_FILE = REPO_ROOT / "swarm" / "stack.yml"

# The images' settings keep their defaults in the images' own files (one home each); a
# deployment passes every one of them on (swarm/stack.yml), so each can be set here too.
IMAGE_DEFAULT_FILES = {
    "qgis-server": REPO_ROOT / "qgis-server" / "defaults.env",
    "qgis-server-site": REPO_ROOT / "swarm" / "site" / "qgis-server-site-defaults.env",
    "nginx": REPO_ROOT / "nginx" / "defaults.env",
}


def image_defaults(image: str) -> dict[str, str]:
    return read_env_file(IMAGE_DEFAULT_FILES[image])


# What only the deployment has; .env.staging.example shows the same values.
DEPLOY_DEFAULTS: dict[str, str] = {
    "STACK_NAME": "qgis-stack",
    "STACK_IMAGE_REPO": "qgis-stack",
    "STACK_DEPLOY_HOST": "",
    "STACK_DEPLOY_NODE_HOSTS": "",
    "STACK_SWARM_ADVERTISE_ADDR": "",
    "STACK_HOSTNAMES": "localhost,127.0.0.1",
    "STACK_HTTPS_PORT": "443",
    "STACK_HTTP_PORT": "80",
    "STACK_PUBLIC_HTTPS_PORT": "",
    "STACK_TLS_CERT_FILE": "",
    "STACK_TLS_KEY_FILE": "",
    "STACK_SECRETS_DIR": "./.secrets/staging",
    "STACK_PROJECTS_DIR": "./projects",
    "STACK_PLUGINS_DIR": "./plugins",
    "STACK_ACCESS_DIR": "./access",
    "STACK_PG_SERVICE_FILE": "./qgis-server/pg_service.conf",
    "STACK_PG_SERVICE": "qgis-stack",
    "POSTGRES_USER": "qgis",
    "POSTGRES_DB": "gis",
    "STACK_QGIS_REPLICAS": "2",
    "QGIS_WORKERS": "2",
    "STACK_QGIS_CPUS": "1.0",
    "STACK_QGIS_MEMORY": "1536M",
    "STACK_POSTGIS_CPUS": "1.0",
    "STACK_POSTGIS_MEMORY": "1G",
    "STACK_NGINX_CPUS": "0.5",
    "STACK_NGINX_MEMORY": "256M",
    "STACK_NGINX_NODE_LABEL": "false",
    **LOG_ROTATION,
    "STACK_DEPLOY_TIMEOUT": "600",
    "STACK_WATERMARK_TEXT": "",
}
DEFAULTS: dict[str, str] = {
    **DEPLOY_DEFAULTS,
    **image_defaults("qgis-server"),
    **image_defaults("qgis-server-site"),
    **image_defaults("nginx"),
}
WHOLE_NUMBERS = (
    "STACK_HTTPS_PORT",
    "STACK_HTTP_PORT",
    "STACK_QGIS_REPLICAS",
    "QGIS_WORKERS",
    "STACK_LOG_MAX_FILES",
    "STACK_DEPLOY_TIMEOUT",
    "QGIS_STACK_DRAIN_SECONDS",
)


@dataclass(frozen=True)
class DeploySettings:
    base: Settings  # QGIS version, image repo, mirror, secrets folder of the deployment
    values: dict[str, str]  # every variable of DEFAULTS, resolved

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def path(self, name: str) -> Path:
        path = Path(self.values[name])
        return path if path.is_absolute() else self.base.root / path

    @property
    def stack_name(self) -> str:
        return self.values["STACK_NAME"]

    @property
    def hostnames(self) -> list[str]:
        return [name.strip() for name in self.values["STACK_HOSTNAMES"].split(",") if name.strip()]

    @property
    def public_https_port(self) -> int:
        return int(self.values["STACK_PUBLIC_HTTPS_PORT"] or self.values["STACK_HTTPS_PORT"])

    @property
    def public_url(self) -> str:
        port = self.public_https_port
        return f"https://{self.hostnames[0]}" + ("" if port == 443 else f":{port}")

    @property
    def deploy_host(self) -> str:
        return self.values["STACK_DEPLOY_HOST"]

    @property
    def node_hosts(self) -> list[str]:
        """Engines that need the images: the manager's and STACK_DEPLOY_NODE_HOSTS."""
        others = self.values["STACK_DEPLOY_NODE_HOSTS"].replace(",", " ").split()
        return [self.deploy_host, *[h for h in others if h != self.deploy_host]]

    @property
    def timeout_s(self) -> int:
        return int(self.values["STACK_DEPLOY_TIMEOUT"])

    @property
    def ca_file(self) -> Path:
        return self.base.secrets_dir / "ca.crt"


def load_deploy(qgis: str | None = None, root: Path = REPO_ROOT, env_file: str = ENV_FILE) -> DeploySettings:
    file_values = read_env_file(root / env_file)
    values = {
        name: os.environ.get(name, file_values.get(name, default)) for name, default in DEFAULTS.items()
    }
    for name in WHOLE_NUMBERS:
        if not values[name].isdigit():
            raise StackError(f"{name} must be a whole number (got '{values[name]}'); see {env_file}.example")
    if not values["STACK_HOSTNAMES"].strip():
        raise StackError(f"STACK_HOSTNAMES is empty: name the host(s) clients use, in {env_file}")
    if int(values["STACK_QGIS_REPLICAS"]) < 1:
        raise StackError("STACK_QGIS_REPLICAS must be at least 1")
    base = load(qgis or os.environ.get("QGIS") or file_values.get("QGIS"), root, env_file=env_file)
    secrets_dir = Path(values["STACK_SECRETS_DIR"])
    base = replace(
        base,
        image_repo=values["STACK_IMAGE_REPO"],
        secrets_dir=secrets_dir if secrets_dir.is_absolute() else root / secrets_dir,
        postgres_user=values["POSTGRES_USER"],
        postgres_db=values["POSTGRES_DB"],
    )
    return DeploySettings(base=base, values=values)
