"""The stack_info plugin's report, which decides /healthz: plain logic, no QGIS needed."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "stack_info"))
from report import build_report, plugins_found, projects_served


def make_plugin(root: Path, name: str, server: str = "True") -> None:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "metadata.txt").write_text(f"[general]\nname={name}\nserver={server}\n")


def test_plugins_are_folders_with_an_init_file_in_every_plugin_path(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    make_plugin(first, "one")
    make_plugin(second, "two")
    (first / "not_a_plugin").mkdir()
    (first / "notes.txt").write_text("")

    assert plugins_found(f"{first}:{second}:{tmp_path / 'missing'}") == ["one", "two"]


def test_libraries_and_desktop_plugins_are_not_server_plugins(tmp_path: Path) -> None:
    make_plugin(tmp_path, "server_one")
    make_plugin(tmp_path, "desktop_only", server="False")
    (tmp_path / "a_library").mkdir()
    (tmp_path / "a_library" / "__init__.py").write_text("")  # no metadata.txt

    assert plugins_found(str(tmp_path)) == ["server_one"]


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


def test_projects_are_the_qgs_files_nginx_can_route_and_the_first_directory_wins(tmp_path: Path) -> None:
    mounted, demo = tmp_path / "projects", tmp_path / "demo"
    mounted.mkdir()
    demo.mkdir()
    for path in (mounted / "demo.qgs", mounted / "roads.qgs", demo / "demo.qgs", demo / "world.qgs"):
        path.write_text("<qgis/>")
    (mounted / "bad name.qgs").write_text("<qgis/>")  # nginx routes [A-Za-z0-9_-]+ only
    (mounted / "packed.qgz").write_text("")  # nginx looks for <name>.qgs only
    (demo / "folder.qgs").mkdir()

    served = projects_served((str(mounted), str(demo), str(tmp_path / "missing")))

    assert served == {
        "demo": str(mounted / "demo.qgs"),
        "roads": str(mounted / "roads.qgs"),
        "world": str(demo / "world.qgs"),
    }


def test_postgis_down_is_reported_but_the_worker_stays_healthy(tmp_path: Path) -> None:
    make_plugin(tmp_path, "good")
    postgis = {"checked": True, "service": "qgis-stack", "reachable": False, "error": "timeout"}

    report = build_report("3.40.6", str(tmp_path), ["good"], {"demo": "/d/demo.qgs"}, postgis)

    assert report["healthy"] is True
    assert report["postgis"] == postgis
    assert report["projects"] == {"demo": "/d/demo.qgs"}


def test_without_checks_the_report_says_so(tmp_path: Path) -> None:
    report = build_report("3.40.6", str(tmp_path), [])

    assert report["postgis"] == {"checked": False}
    assert report["projects"] == {}
