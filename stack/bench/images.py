"""The bench's own images (stack/bench/images/Dockerfile), built on the stack's
qgis-server image and tagged <image repo>/bench-<stage>:<QGIS version>."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

from stack.core.settings import Settings

CONTEXT = Path(__file__).with_name("images")
PY_QGIS_SERVER = "py-qgis-server==1.9.6"


def download_py_qgis_server(into: Path) -> None:
    """pip (the host's, with its own certificates and index settings) fetches the sdist."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            PY_QGIS_SERVER,
            "-d",
            str(into),
        ],
        check=True,
    )


def build_bench_images(client: docker.DockerClient, settings: Settings, stages: set[str]) -> dict[str, str]:
    stages.discard("")
    tags = {}
    with tempfile.TemporaryDirectory(prefix="qgis-stack-bench-context-") as tmp:
        context = Path(tmp)
        shutil.copytree(CONTEXT, context, dirs_exist_ok=True)
        if "py-qgis-server" in stages:
            download_py_qgis_server(context)
        for stage in sorted(stages):
            tag = f"{settings.image_repo}/bench-{stage}:{settings.release.version}"
            started = time.monotonic()
            print(f"bench: building {tag} …", flush=True)
            client.images.build(
                path=str(context),
                target=stage,
                tag=tag,
                buildargs={
                    "QGIS_IMAGE": settings.image("qgis-server"),
                    "DEBIAN_SUITE": settings.release.suite,
                    "APT_CHECK_VALID_UNTIL": str(settings.release.apt_check_valid_until).lower(),
                },
                rm=True,
            )
            print(f"bench: building {tag} ({time.monotonic() - started:.0f} s)", flush=True)
            tags[stage] = tag
    return tags
