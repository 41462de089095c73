"""The stack_info plugin's report, which decides /healthz: plain logic, no QGIS needed."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "stack_info"))
from report import build_report, plugins_found


def make_plugin(root: Path, name: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("")


def test_plugins_are_folders_with_an_init_file_in_every_plugin_path(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    make_plugin(first, "one")
    make_plugin(second, "two")
    (first / "not_a_plugin").mkdir()
    (first / "notes.txt").write_text("")

    assert plugins_found(f"{first}:{second}:{tmp_path / 'missing'}") == ["one", "two"]


def test_a_plugin_found_but_not_loaded_makes_the_report_unhealthy(tmp_path: Path) -> None:
    make_plugin(tmp_path, "good")
    make_plugin(tmp_path, "broken")

    report = build_report("3.40.6", str(tmp_path), active=["good"])

    assert report["healthy"] is False
    assert report["plugins"]["failed"] == ["broken"]


@pytest.mark.parametrize("active", [["good"], ["good", "extra_from_elsewhere"]])
def test_all_found_plugins_loaded_is_healthy(tmp_path: Path, active: list[str]) -> None:
    make_plugin(tmp_path, "good")

    assert build_report("3.40.6", str(tmp_path), active=active)["healthy"] is True
