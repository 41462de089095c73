"""The PostGIS password: a random one in a file outside git, made on first use.

It never goes into an image, a project or the repository: compose mounts it as a secret
into PostGIS (which sets it on first start) and QGIS Server (which makes a private pgpass).
"""

from __future__ import annotations

import secrets as random_source

from stack.console import say
from stack.settings import Settings


def ensure_password_file(settings: Settings) -> bool:
    """Create the password file if missing; True when it was created now."""
    path = settings.password_file
    if path.is_file() and path.read_text().strip():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)  # the folder guards the secret on the host
    path.write_text(random_source.token_urlsafe(32) + "\n")
    # Readable inside the containers (their users differ from the host's); the 0700 folder
    # keeps other host users out.
    path.chmod(0o644)
    say(f"created a random PostGIS password in {path}")
    return True
