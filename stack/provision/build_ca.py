"""The host's local CA certificates, for image build steps that fetch over TLS (npm).

Behind a TLS-intercepting proxy the host trusts an extra CA that a fresh Debian image does
not, and npm then fails with SELF_SIGNED_CERT_IN_CHAIN. The nginx image's build stage
trusts the *.crt files in nginx/webmap/extra-ca (gitignored); the final image does not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
BUILD_CA_DIR = Path("nginx/webmap/extra-ca")


def copy_host_cas(root: Path, host_dir: Path = HOST_CA_DIR) -> list[str]:
    """Mirror the host's local *.crt files into the build context; names of those copied."""
    target = root / BUILD_CA_DIR
    target.mkdir(parents=True, exist_ok=True)
    wanted = {path.name: path for path in host_dir.glob("*.crt")} if host_dir.is_dir() else {}
    for stale in target.glob("*.crt"):
        if stale.name not in wanted:
            stale.unlink()
    for name, source in wanted.items():
        destination = target / name
        if not destination.exists() or destination.read_bytes() != source.read_bytes():
            shutil.copyfile(source, destination)
    return sorted(wanted)
