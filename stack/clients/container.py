"""A client container from the stack's qgis-server image: PyQGIS and GDAL as a user has them.

It shares the host's network, so it reaches the stack at the very URL the tests use,
local (http://127.0.0.1:<port>) or remote (--stack-url).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.models.containers import Container

SCRIPTS = Path(__file__).parent / "scripts"
MOUNTED_SCRIPTS = "/opt/qgis-stack-clients"


@dataclass
class ClientContainer:
    container: Container
    _gdal_version: tuple[int, ...] | None = None

    def run(self, *command: str, environment: dict[str, str] | None = None) -> str:
        result = self.container.exec_run(list(command), environment=environment or {}, demux=True)
        stdout, stderr = (part.decode(errors="replace") if part else "" for part in result.output)
        if result.exit_code != 0:
            raise RuntimeError(
                f"{' '.join(command)} exited {result.exit_code}:\n{stderr[-3000:]}{stdout[-1000:]}"
            )
        return stdout

    def gdal_version(self) -> tuple[int, ...]:
        """GDAL's version in the image (`gdalinfo --version`: "GDAL 3.10.3, released …")."""
        if self._gdal_version is None:
            number = self.run("gdalinfo", "--version").split()[1].rstrip(",")
            self._gdal_version = tuple(int(part) for part in number.split(".")[:2])
        return self._gdal_version

    def pyqgis(self, script: str, request: dict[str, object]) -> dict[str, object]:
        """Run scripts/<script> with the request as JSON argument; its JSON answer."""
        out = self.run("python3", f"{MOUNTED_SCRIPTS}/{script}", json.dumps(request))
        return json.loads(out.strip().splitlines()[-1])


# Where a deployment's private CA (--ca-bundle) goes: the client trusts it system-wide, as
# a user installs one, so QGIS (Qt) and GDAL (curl) both do.
MOUNTED_CA = "/usr/local/share/ca-certificates/qgis-stack-deployment.crt"


@contextmanager
def client_container(
    client: docker.DockerClient, image: str, name_prefix: str, ca_bundle: str | None = None
) -> Iterator[ClientContainer]:
    volumes = {str(SCRIPTS): {"bind": MOUNTED_SCRIPTS, "mode": "ro"}}
    tmpfs = {"/tmp": ""}
    if ca_bundle:
        volumes[str(Path(ca_bundle).resolve())] = {"bind": MOUNTED_CA, "mode": "ro"}
        tmpfs["/etc/ssl/certs"] = ""  # rebuilt by update-ca-certificates below
    container = client.containers.run(
        image,
        entrypoint=["sleep", "infinity"],
        command=[],
        name=f"{name_prefix}-client-{uuid.uuid4().hex[:8]}",
        detach=True,
        network_mode="host",
        read_only=True,
        tmpfs=tmpfs,
        volumes=volumes,
        labels={"qgis-stack.test": "client"},
    )
    try:
        if ca_bundle:
            result = container.exec_run(["update-ca-certificates"], user="root")
            if result.exit_code != 0:
                raise RuntimeError(f"update-ca-certificates failed: {result.output.decode(errors='replace')}")
        yield ClientContainer(container)
    finally:
        container.remove(force=True)
