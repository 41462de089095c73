"""Reading the QGIS version from stack_info's report."""

import pytest

from stack.harness.stack_info import parse_version


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("3.40.6-Bratislava", (3, 40, 6)),
        ("3.22.16-Białowieża", (3, 22, 16)),
        ("3.44.15", (3, 44, 15)),
        ("nginx", None),
        ("", None),
    ],
)
def test_the_version_comes_from_the_report(text: str, version: tuple[int, int, int] | None) -> None:
    assert parse_version(text) == version
