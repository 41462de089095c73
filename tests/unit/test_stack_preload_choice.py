"""Which project files QGIS_STACK_PRELOAD_PROJECTS names."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "qgis-server" / "builtin-plugins"))

from stack_preload.choice import PreloadChoiceError, projects_to_preload


@pytest.fixture
def dirs(tmp_path: Path) -> list[Path]:
    projects, demo = tmp_path / "projects", tmp_path / "demo"
    for folder, names in (
        (projects, ["roads.qgs", "parcels.qgz", "notes.txt", "bad name.qgs"]),
        (demo, ["demo.qgs", "roads.qgs"]),
    ):
        folder.mkdir()
        for name in names:
            (folder / name).write_text("")
    return [projects, demo]


def test_all_is_every_project_file_once_the_first_folder_winning(dirs: list[Path]) -> None:
    chosen = projects_to_preload("all", dirs)

    assert sorted(p.name for p in chosen) == ["demo.qgs", "parcels.qgz", "roads.qgs"]
    assert dirs[0] / "roads.qgs" in chosen


@pytest.mark.parametrize("setting", ["none", "", "  "])
def test_none_or_empty_is_nothing(dirs: list[Path], setting: str) -> None:
    assert projects_to_preload(setting, dirs) == []


def test_names_pick_those_projects_in_order(dirs: list[Path]) -> None:
    assert projects_to_preload("demo, parcels", dirs) == [dirs[1] / "demo.qgs", dirs[0] / "parcels.qgz"]


@pytest.mark.parametrize(
    ("setting", "message"), [("nosuch", "no project named nosuch"), ("../etc", "not project names")]
)
def test_a_bad_name_says_what_is_wrong(dirs: list[Path], setting: str, message: str) -> None:
    with pytest.raises(PreloadChoiceError, match=message):
        projects_to_preload(setting, dirs)


def test_a_missing_folder_is_no_projects(tmp_path: Path) -> None:
    assert projects_to_preload("all", [tmp_path / "absent"]) == []
