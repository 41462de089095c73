"""Site images: the stack's images plus the site's plugins, projects and TLS front.

    <repo>/qgis-server-site:<version>   FROM <repo>/demo-project (server + demo script)
    <repo>/nginx-site:<version>         FROM <repo>/nginx

Each also gets an immutable tag <version>-<image id>, which is what the stack file names:
Swarm only rolls a service out when its spec changes, and a moving tag would not change it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from stack.core.console import say
from stack.core.errors import StackError
from stack.deploy.compose import compose_env
from stack.deploy.lifecycle import build, command_log, prepare
from stack.deploy.swarm.settings import DeploySettings

SITE_DIR = Path(__file__).resolve().parents[3] / "swarm" / "site"
BASE_SERVICES = ("postgis", "demo-project", "qgis-server", "nginx")


@dataclass(frozen=True)
class SiteImages:
    postgis: str
    qgis_server: str
    nginx: str

    def all(self) -> list[str]:
        return [self.postgis, self.qgis_server, self.nginx]


def _copy_tree(source: Path, target: Path, what: str, variable: str) -> None:
    if not source.is_dir():
        raise StackError(f"{variable}={source} is not a folder: point it at your {what}")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".git")
    shutil.copytree(source, target, ignore=ignore)


def _build(settings: DeploySettings, dockerfile: str, base_image: str, tag: str, context: Path) -> None:
    env = compose_env(settings.base)  # the classic builder where buildx is missing, as `make up`
    command = [
        "docker",
        "build",
        "--quiet",
        "-f",
        str(context / dockerfile),
        "--build-arg",
        f"BASE_IMAGE={base_image}",
        "-t",
        tag,
        str(context),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise StackError(f"building {tag} failed:\n{(result.stdout + result.stderr)[-2000:]}")


def _immutable_tag(tag: str) -> str:
    image_id = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", tag], capture_output=True, text=True, check=True
    ).stdout.strip()
    pinned = f"{tag}-{image_id.removeprefix('sha256:')[:12]}"
    subprocess.run(["docker", "tag", tag, pinned], check=True)
    return pinned


def site_tags(settings: DeploySettings) -> tuple[str, str]:
    base = settings.base
    return (
        f"{base.image_repo}/qgis-server-site:{base.release.version}",
        f"{base.image_repo}/nginx-site:{base.release.version}",
    )


def build_site_images(settings: DeploySettings) -> SiteImages:
    """Build the base images (cached), then the site images; return their pinned tags."""
    base = settings.base
    started = time.monotonic()
    log = command_log(base, "deploy")  # each step is one line; the builds' output goes here
    prepare(base, log)
    say(
        f"building the images of QGIS {base.release.version} (cached layers are reused; output in {log.path})"
    )
    build(base, log, BASE_SERVICES)
    qgis_tag, nginx_tag = site_tags(settings)
    with tempfile.TemporaryDirectory(prefix="qgis-stack-site-") as tmp:
        context = Path(tmp)
        for script in SITE_DIR.iterdir():
            shutil.copy2(script, context / script.name)
        _copy_tree(
            settings.path("STACK_PLUGINS_DIR"), context / "plugins", "server plugins", "STACK_PLUGINS_DIR"
        )
        _copy_tree(
            settings.path("STACK_PROJECTS_DIR"), context / "projects", "projects", "STACK_PROJECTS_DIR"
        )
        _build(settings, "qgis-server.Dockerfile", base.image("demo-project"), qgis_tag, context)
        _build(settings, "nginx.Dockerfile", base.image("nginx"), nginx_tag, context)
    images = SiteImages(
        postgis=_immutable_tag(base.image("postgis")),
        qgis_server=_immutable_tag(qgis_tag),
        nginx=_immutable_tag(nginx_tag),
    )
    say(f"site images ready in {time.monotonic() - started:.0f} s: {', '.join(images.all())}")
    return images


def existing_site_images(settings: DeploySettings) -> SiteImages:
    """The pinned tags of images already on the local engine (after `make load`)."""
    base = settings.base
    qgis_tag, nginx_tag = site_tags(settings)
    for tag in (base.image("postgis"), qgis_tag, nginx_tag):
        if subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode != 0:
            raise StackError(
                f"no image {tag} here: run `make deploy` with building, or `make load BUNDLE=…` first"
            )
    return SiteImages(
        postgis=_immutable_tag(base.image("postgis")),
        qgis_server=_immutable_tag(qgis_tag),
        nginx=_immutable_tag(nginx_tag),
    )
