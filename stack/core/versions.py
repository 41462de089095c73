"""QGIS version ↔ Debian suite: the stack builds every image from the suite's packages."""

from __future__ import annotations

from dataclasses import dataclass

from stack.core.errors import StackError


@dataclass(frozen=True)
class QgisRelease:
    version: str  # what users type: QGIS=3.40
    suite: str  # Debian suite whose packages provide it
    package_version: str  # what that suite ships, for messages and docs

    @property
    def base_image(self) -> str:
        return f"debian:{self.suite}-slim"

    @property
    def apt_check_valid_until(self) -> bool:
        # The mirror's sid Release file can be expired; only sid is built without the check.
        return self.suite != "sid"


RELEASES: dict[str, QgisRelease] = {
    r.version: r
    for r in (
        QgisRelease("3.22", "bookworm", "3.22.16"),
        QgisRelease("3.40", "trixie", "3.40.6"),
        QgisRelease("3.44", "sid", "3.44.15"),
    )
}
DEFAULT_VERSION = "3.40"


def release_for(version: str | None) -> QgisRelease:
    """The release for QGIS=<version>; an unknown one is an error that lists the choices."""
    chosen = (version or DEFAULT_VERSION).strip()
    try:
        return RELEASES[chosen]
    except KeyError:
        choices = ", ".join(
            f"{r.version} (Debian {r.suite}, QGIS {r.package_version})" for r in RELEASES.values()
        )
        raise StackError(f"QGIS={chosen} is not supported. Choose one of: {choices}.") from None
