"""A working Docker engine and Compose v2, installed from Debian packages when missing.

On a Debian host where `docker info` fails and we are root: install docker.io (and
debootstrap, for base images), install Compose v2 from trixie's docker-compose package
(a static binary that runs on bookworm), start dockerd. Where Docker works, nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from stack.core.console import Log, run_logged, say
from stack.core.errors import StackError

DOCKERD_LOG = Path("/var/log/qgis-stack-dockerd.log")
ENGINE_START_SECONDS = 90


def _ok(*command: str) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def engine_answers() -> bool:
    return _ok("docker", "info")


def compose_works() -> bool:
    return _ok("docker", "compose", "version")


def buildx_available() -> bool:
    return _ok("docker", "buildx", "version")


def _is_debian() -> bool:
    return Path("/etc/debian_version").is_file() and shutil.which("apt-get") is not None


def _run(command: list[str], what: str, log: Log) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_logged(command, what, log, env=env)


def _apt_install(log: Log, *packages: str) -> None:
    _run(["apt-get", "update", "-q"], "updating the apt package lists", log)
    _run(
        ["apt-get", "install", "-y", "-q", *packages],
        f"installing {', '.join(packages)} from Debian packages",
        log,
    )


def _install_compose_from_trixie(mirror: str, log: Log) -> None:
    """trixie's docker-compose .deb, fetched with a private apt list so no suite is mixed in."""
    with tempfile.TemporaryDirectory(prefix="qgis-stack-apt-") as tmp:
        work = Path(tmp)
        (work / "lists" / "partial").mkdir(parents=True)
        sources = work / "trixie.sources"
        sources.write_text(
            "Types: deb\n"
            f"URIs: {mirror}\n"
            "Suites: trixie\n"
            "Components: main\n"
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        )
        apt_options = [
            f"-o=Dir::Etc::sourcelist={sources}",
            "-o=Dir::Etc::sourceparts=/dev/null",
            f"-o=Dir::State::Lists={work / 'lists'}",
            "-o=APT::Sandbox::User=root",
        ]
        _run(["apt-get", *apt_options, "update", "-q"], "reading trixie's package list", log)
        run_logged(
            ["apt-get", *apt_options, "download", "docker-compose"],
            "downloading Compose v2 (trixie's docker-compose package)",
            log,
            cwd=work,
        )
        debs = list(work.glob("docker-compose_*.deb"))
        if not debs:
            raise StackError(f"apt-get download left no docker-compose .deb; see {log.path}")
        _run(["dpkg", "-i", str(debs[0])], "installing Compose v2", log)


def _start_dockerd(log: Log) -> None:
    if Path("/run/systemd/system").is_dir() and shutil.which("systemctl"):
        _run(["systemctl", "start", "docker"], "starting the Docker engine (systemd)", log)
    else:
        say(f"starting the Docker engine: dockerd, logging to {DOCKERD_LOG}")
        with DOCKERD_LOG.open("ab") as log:
            subprocess.Popen(
                ["dockerd"], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
            )
    deadline = time.monotonic() + ENGINE_START_SECONDS
    while time.monotonic() < deadline:
        if engine_answers():
            say("the Docker engine is up")
            return
        time.sleep(1)
    raise StackError(f"dockerd did not answer within {ENGINE_START_SECONDS} s; see {DOCKERD_LOG}")


def ensure_engine(mirror: str, log: Log) -> None:
    """Make `docker info` and `docker compose` work, or say exactly why we cannot."""
    if engine_answers() and compose_works():
        return
    if os.geteuid() != 0 or not _is_debian():
        raise StackError(
            "Docker is not usable here (`docker info` or `docker compose version` fails). "
            "Start the Docker engine and install Compose v2, or run as root on Debian and "
            "the stack installs them from Debian packages."
        )
    say("Docker is not usable here: installing it from Debian packages")
    if not shutil.which("dockerd"):
        _apt_install(log, "docker.io", "debootstrap")
    if not compose_works():
        _install_compose_from_trixie(mirror, log)
    if not engine_answers():
        _start_dockerd(log)


def ensure_debootstrap(log: Log) -> None:
    if shutil.which("debootstrap"):
        return
    if os.geteuid() != 0 or not _is_debian():
        raise StackError(
            "debootstrap is needed to create base images: install it (apt-get install debootstrap)"
        )
    _apt_install(log, "debootstrap")
