"""QGIS version ↔ Debian suite, and the error for a version we do not build."""

import pytest

from stack.core.errors import StackError
from stack.core.versions import RELEASES, release_for


@pytest.mark.parametrize(("version", "suite"), [("3.22", "bookworm"), ("3.40", "trixie"), ("3.44", "sid")])
def test_each_qgis_version_builds_from_its_debian_suite(version: str, suite: str) -> None:
    release = release_for(version)

    assert release.suite == suite
    assert release.base_image == f"debian:{suite}-slim"


def test_no_version_means_the_default_3_40() -> None:
    assert release_for(None).version == "3.40"
    assert release_for("").version == "3.40"


def test_only_sid_skips_the_release_file_expiry_check() -> None:
    assert [r.suite for r in RELEASES.values() if not r.apt_check_valid_until] == ["sid"]


@pytest.mark.parametrize("bad", ["3.28", "latest", "3", "3.40.6"])
def test_an_unknown_version_is_refused_with_every_choice_listed(bad: str) -> None:
    with pytest.raises(StackError) as raised:
        release_for(bad)

    message = str(raised.value)
    assert f"QGIS={bad}" in message
    for version in RELEASES:
        assert version in message
