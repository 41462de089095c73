"""`debian:<suite>-slim` for the Dockerfiles' FROM lines, on hosts with or without a registry.

Local image → use it. Pullable → pull it. Neither → debootstrap a minbase root fs, trim it
the way the official slim images are trimmed, and `docker import` it under the same tag.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import docker
from docker.errors import APIError, ImageNotFound

from stack.core.console import Log, run_logged, say
from stack.core.errors import StackError
from stack.provision.engine import ensure_debootstrap

# The official slim images ship without docs, man pages and translations, and keep dpkg
# from installing them later: the same excludes keep our images the same size.
DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
"""
APT_CLEAN = 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };\n'
TRIMMED = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "var/cache/apt/archives")


def _trim(rootfs: Path) -> None:
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(DPKG_EXCLUDES)
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    subprocess.run(
        [
            "find",
            *TRIMMED,
            "-mindepth",
            "1",
            "-type",
            "f",
            "!",
            "-name",
            "copyright",
            "!",
            "-name",
            "locale.alias",
            "-delete",
        ],
        cwd=rootfs,
        check=False,
    )
    for lists in (rootfs / "var/lib/apt/lists").glob("*_*"):
        lists.unlink()


def _bootstrap(client: docker.DockerClient, suite: str, tag: str, mirror: str, log: Log) -> None:
    ensure_debootstrap(log)
    with tempfile.TemporaryDirectory(prefix=f"qgis-stack-{suite}-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        code = run_logged(
            ["debootstrap", "--variant=minbase", suite, str(rootfs), mirror],
            f"creating {tag} with debootstrap (minbase, {mirror})",
            log,
            check=False,
        )
        if code != 0:
            raise StackError(
                f"debootstrap {suite} failed; is {mirror} reachable? "
                f"(set STACK_DEBIAN_MIRROR for another mirror)\nlast lines of {log.path}:\n{log.tail()}"
            )
        _trim(rootfs)
        archive = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], check=True)
        repository, _, image_tag = tag.partition(":")
        client.api.import_image_from_file(
            str(archive), repository=repository, tag=image_tag, changes=['CMD ["bash"]']
        )


def ensure_base_image(client: docker.DockerClient, tag: str, mirror: str, log: Log) -> None:
    try:
        client.images.get(tag)
        return
    except ImageNotFound:
        pass
    repository, _, image_tag = tag.partition(":")
    try:
        say(f"pulling {tag}")
        client.images.pull(repository, tag=image_tag)
        return
    except APIError as error:
        say(f"cannot pull {tag} ({error.explanation or error}); building it locally instead")
    if os.geteuid() != 0:
        raise StackError(f"{tag} is neither local nor pullable, and creating it needs root (debootstrap)")
    suite = image_tag.removesuffix("-slim")
    _bootstrap(client, suite, tag, mirror, log)
