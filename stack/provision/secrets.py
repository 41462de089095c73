"""Secrets made on first use, in a folder outside git: never in an image or a project.

- postgres_password: compose mounts it into PostGIS (which sets the role's password from it
  at every start) and QGIS Server (which makes a private pgpass from it).
- demo-users.json and htpasswd: the demo users of access/users.map with random passwords,
  for nginx's basic auth; the test harness logs in with them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as random_source
from pathlib import Path

from stack.core.console import say
from stack.core.settings import Settings

DEMO_USERS = ("editor", "partner")


def _private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # the folder guards the secrets on the host


def ssha_entry(user: str, password: str, salt: bytes) -> str:
    """An htpasswd line in RFC 2307 {SSHA}, which nginx reads natively. SHA-1 is weak for
    chosen passwords; these are 256-bit random ones. Bring bcrypt (htpasswd -B) for yours."""
    digest = hashlib.sha1(password.encode() + salt).digest()
    return f"{user}:{{SSHA}}{base64.b64encode(digest + salt).decode()}"


def ensure_demo_users(settings: Settings) -> None:
    users_file, htpasswd = settings.secrets_dir / "demo-users.json", settings.secrets_dir / "htpasswd"
    if users_file.is_file() and htpasswd.is_file():
        return
    _private_folder(settings.secrets_dir)
    passwords = {user: random_source.token_urlsafe(32) for user in DEMO_USERS}
    users_file.write_text(json.dumps(passwords, indent=2) + "\n")
    users_file.chmod(0o600)
    lines = [ssha_entry(user, password, random_source.token_bytes(8)) for user, password in passwords.items()]
    htpasswd.write_text("\n".join(lines) + "\n")
    htpasswd.chmod(0o644)  # nginx's user reads it; the 0700 folder keeps host users out
    say(f"created demo users {', '.join(DEMO_USERS)} with random passwords in {users_file}")


def demo_user_passwords(settings: Settings) -> dict[str, str]:
    return json.loads((settings.secrets_dir / "demo-users.json").read_text())


def ensure_password_file(settings: Settings) -> bool:
    """Create the password file if missing; True when it was created now."""
    path = settings.password_file
    if path.is_file() and path.read_text().strip():
        return False
    _private_folder(path.parent)
    path.write_text(random_source.token_urlsafe(32) + "\n")
    # Readable inside the containers (their users differ from the host's); the 0700 folder
    # keeps other host users out.
    path.chmod(0o644)
    say(f"created a random PostGIS password in {path}")
    return True
