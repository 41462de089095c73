"""Which project files QGIS_STACK_PRELOAD_PROJECTS names."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "qgis-server" / "builtin-plugins"))

from stack_preload.choice import PreloadChoiceError, projects_to_preload


@pytest.fixture
def dirs(tmp_path: Path) -> list[Path]:
    projects, demo = tmp_path / "projects", tmp_path / "demo"
    layout = {
        projects: ["roads.qgs", "parcels.qgz", "notes.txt", "bad name.qgs"],
        demo: ["demo.qgs", "roads.qgs"],
    }
    for folder, names in layout.items():
        folder.mkdir()
        for name in names:
            (folder / name).write_text("")
    return [projects, demo]


def test_all_is_every_served_project_once_the_first_folder_winning(dirs: list[Path]) -> None:
    chosen, missing = projects_to_preload("all", dirs)

    # nginx serves <name>.qgs only: a .qgz is not preloaded, nor a name it would refuse.
    assert sorted(p.name for p in chosen) == ["demo.qgs", "roads.qgs"]
    assert dirs[0] / "roads.qgs" in chosen
    assert missing == []


@pytest.mark.parametrize("setting", ["none", "", "  "])
def test_none_or_empty_is_nothing(dirs: list[Path], setting: str) -> None:
    assert projects_to_preload(setting, dirs) == ([], [])


def test_names_pick_those_projects_in_order(dirs: list[Path]) -> None:
    assert projects_to_preload("demo, roads", dirs) == ([dirs[1] / "demo.qgs", dirs[0] / "roads.qgs"], [])


def test_an_unknown_name_is_reported_and_the_others_still_load(dirs: list[Path]) -> None:
    assert projects_to_preload("nosuch,demo", dirs) == ([dirs[1] / "demo.qgs"], ["nosuch"])


def test_a_name_that_is_no_project_name_is_refused(dirs: list[Path]) -> None:
    with pytest.raises(PreloadChoiceError, match=r"not project names: \.\./etc"):
        projects_to_preload("../etc", dirs)


def test_a_missing_folder_is_no_projects(tmp_path: Path) -> None:
    assert projects_to_preload("all", [tmp_path / "absent"]) == ([], [])
