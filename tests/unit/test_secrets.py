"""The secrets `make up` creates: random, private, and in formats their readers accept."""

import base64
import hashlib
import stat
from pathlib import Path

from stack.core.settings import load
from stack.provision.secrets import demo_user_passwords, ensure_demo_users, ensure_password_file, ssha_entry


def test_an_ssha_entry_is_sha1_of_password_and_salt_then_the_salt(tmp_path: Path) -> None:
    user, scheme_and_hash = ssha_entry("editor", "s3cret", b"saltsalt").split(":", 1)

    assert user == "editor"
    assert scheme_and_hash.startswith("{SSHA}")
    raw = base64.b64decode(scheme_and_hash.removeprefix("{SSHA}"))
    assert raw == hashlib.sha1(b"s3cretsaltsalt").digest() + b"saltsalt"


def test_secrets_are_made_once_in_a_private_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STACK_SECRETS_DIR", str(tmp_path / "secrets"))
    settings = load(root=tmp_path)

    assert ensure_password_file(settings) is True
    assert ensure_password_file(settings) is False  # kept: PostGIS and QGIS use it
    ensure_demo_users(settings)
    first = demo_user_passwords(settings)
    ensure_demo_users(settings)

    assert demo_user_passwords(settings) == first
    assert set(first) == {"editor", "partner"}
    assert len(set(first.values())) == 2 and all(len(p) >= 40 for p in first.values())
    assert stat.S_IMODE(settings.secrets_dir.stat().st_mode) == 0o700
    htpasswd = (settings.secrets_dir / "htpasswd").read_text().splitlines()
    assert sorted(line.split(":")[0] for line in htpasswd) == ["editor", "partner"]
