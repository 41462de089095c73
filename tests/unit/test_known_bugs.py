"""Reading the QGIS version from the Server header QGIS sets."""

import pytest

from stack.harness.known_bugs import parse_server_header


@pytest.mark.parametrize(
    ("header", "version"),
    [
        ("QGIS FCGI server - QGIS version 3.40.6-Bratislava", (3, 40, 6)),
        ("QGIS FCGI server - QGIS version 3.22.16-Białowieża", (3, 22, 16)),
        ("nginx", None),
        ("", None),
    ],
)
def test_the_version_comes_from_the_server_header(header: str, version: tuple[int, int, int] | None) -> None:
    assert parse_server_header(header) == version
