"""Every image of one QGIS version in one gzip file, and back: for hosts without a registry.

`docker load` reads the file as it is (it understands gzip), so a host needs neither this
checkout nor Python to load it: `docker load -i qgis-stack-3.40.tar.gz`.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from stack.core.console import say
from stack.core.errors import StackError
from stack.deploy.swarm.engine import Engine
from stack.deploy.swarm.settings import DeploySettings
from stack.deploy.swarm.site_images import BASE_SERVICES, SiteImages, site_tags

GZIP_LEVEL = "4"  # measured: level 6+ costs much more time for a few per cent


def bundle_tags(settings: DeploySettings, images: SiteImages) -> list[str]:
    base = [settings.base.image(service) for service in BASE_SERVICES]
    return [*base, *site_tags(settings), *images.all()]


def write_bundle(settings: DeploySettings, images: SiteImages, target: Path) -> Path:
    tags = bundle_tags(settings, images)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    started = time.monotonic()
    say(f"writing {len(tags)} image tags to {target}")
    with partial.open("wb") as out:
        save = subprocess.Popen(["docker", "save", *tags], stdout=subprocess.PIPE)
        gzip = subprocess.run(["gzip", f"-{GZIP_LEVEL}", "-c"], stdin=save.stdout, stdout=out)
        assert save.stdout is not None
        save.stdout.close()
        if save.wait() != 0 or gzip.returncode != 0:
            partial.unlink(missing_ok=True)
            raise StackError(f"docker save | gzip failed (exit {save.returncode}, {gzip.returncode})")
    partial.replace(target)
    size_mb = target.stat().st_size / 1e6
    say(f"wrote {target}: {size_mb:.0f} MB in {time.monotonic() - started:.0f} s")
    return target


def load_bundle(bundle: Path, engine: Engine) -> float:
    """Load a bundle into an engine; returns the seconds it took."""
    if not bundle.is_file():
        raise StackError(f"BUNDLE={bundle} is not a file: `make bundle` writes one")
    started = time.monotonic()
    say(f"loading {bundle} into {engine.label}")
    engine.run("load", "--quiet", "--input", str(bundle))
    elapsed = time.monotonic() - started
    say(f"loaded {bundle.name} into {engine.label} in {elapsed:.0f} s")
    return elapsed


def ship_images(images: list[str], engine: Engine) -> None:
    """`docker save | docker load` from the local engine to another, for images it lacks."""
    missing = [image for image in images if not engine.has_image(image)]
    if not missing:
        return
    started = time.monotonic()
    say(f"shipping {', '.join(missing)} to {engine.label} (docker save | docker load)")
    save = subprocess.Popen(["docker", "save", *missing], stdout=subprocess.PIPE)
    load = subprocess.run(
        engine.command("load", "--quiet"), stdin=save.stdout, capture_output=True, text=True
    )
    assert save.stdout is not None
    save.stdout.close()
    if save.wait() != 0 or load.returncode != 0:
        raise StackError(f"shipping images to {engine.label} failed: {load.stderr.strip()[-1000:]}")
    say(f"shipped to {engine.label} in {time.monotonic() - started:.0f} s")
