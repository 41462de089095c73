"""Which project files QGIS_STACK_PRELOAD_PROJECTS names (pure logic, no QGIS)."""

from __future__ import annotations

import re
from pathlib import Path

NAME = re.compile(r"[A-Za-z0-9_-]+")
SUFFIXES = (".qgs", ".qgz")


class PreloadChoiceError(ValueError):
    pass


def projects_to_preload(setting: str, project_dirs: list[Path]) -> list[Path]:
    """ "all": every project file directly in the folders; "none" or "": nothing; otherwise
    comma-separated project names, each of which must exist in one of the folders (the
    first folder that has it wins, as for the URL /ows/<name>)."""
    setting = setting.strip()
    if setting in ("", "none"):
        return []
    found: dict[str, Path] = {}
    for folder in project_dirs:
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            if path.suffix in SUFFIXES and NAME.fullmatch(path.stem):
                found.setdefault(path.stem, path)
    if setting == "all":
        return list(found.values())
    names = [name.strip() for name in setting.split(",") if name.strip()]
    bad = [name for name in names if not NAME.fullmatch(name)]
    if bad:
        raise PreloadChoiceError(f"not project names: {', '.join(bad)} (use all, none or name,name)")
    missing = [name for name in names if name not in found]
    if missing:
        folders = ", ".join(str(d) for d in project_dirs)
        raise PreloadChoiceError(f"no project named {', '.join(missing)} in {folders}")
    return [found[name] for name in names]
