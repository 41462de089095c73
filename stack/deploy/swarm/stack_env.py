"""The variables swarm/stack.yml reads: settings, image tags, and the files of secrets and
configs with a hash of each (Swarm secrets are immutable: new content, new name)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from stack.core.errors import StackError
from stack.core.settings import FCGI_PORT
from stack.deploy.swarm.settings import DeploySettings
from stack.deploy.swarm.site_images import SiteImages
from stack.deploy.swarm.tls import TlsFiles


def content_hash(path: Path) -> str:
    if not path.is_file():
        raise StackError(f"{path} is missing")
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def secret_and_config_files(settings: DeploySettings, tls: TlsFiles) -> dict[str, Path]:
    secrets_dir = settings.base.secrets_dir
    access = settings.path("STACK_ACCESS_DIR")
    return {
        "POSTGRES_PASSWORD": secrets_dir / "postgres_password",
        "HTPASSWD": secrets_dir / "htpasswd",
        "TLS_CERT": tls.cert,
        "TLS_KEY": tls.key,
        "PG_SERVICE": settings.path("STACK_PG_SERVICE_FILE"),
        "ACCESS_RULES": access / "rules.yaml",
        "USERS_MAP": access / "users.map",
    }


def stack_environment(
    settings: DeploySettings, images: SiteImages, tls: TlsFiles, generation: str | None = None
) -> dict[str, str]:
    env = {**os.environ, **settings.values}
    env.update(
        STACK_POSTGIS_IMAGE=images.postgis,
        STACK_QGIS_IMAGE=images.qgis_server,
        STACK_NGINX_IMAGE=images.nginx,
        DEBIAN_SUITE=settings.base.release.suite,
        QGIS_FCGI_PORT=str(FCGI_PORT),
        STACK_PUBLIC_HTTPS_PORT=str(settings.public_https_port),
        STACK_DEPLOY_GENERATION=generation or settings.values.get("STACK_DEPLOY_GENERATION", "1"),
        STACK_NGINX_CONSTRAINT=(
            "node.labels.qgis-stack.nginx == true"
            if settings["STACK_NGINX_NODE_LABEL"] == "true"
            else "node.platform.os == linux"
        ),
    )
    for name, path in secret_and_config_files(settings, tls).items():
        env[f"STACK_FILE_{name}"] = str(path)
        env[f"STACK_HASH_{name}"] = content_hash(path)
    return env


def new_generation() -> str:
    return str(int(time.time()))
