"""Which project files QGIS_STACK_PRELOAD_PROJECTS names (pure logic, no QGIS)."""

from __future__ import annotations

import re
from pathlib import Path

NAME = re.compile(r"[A-Za-z0-9_-]+")
SUFFIX = ".qgs"  # nginx serves /ows/<name> from <name>.qgs only


class PreloadChoiceError(ValueError):
    pass


def projects_to_preload(setting: str, project_dirs: list[Path]) -> tuple[list[Path], list[str]]:
    """(project files, names not found). "all": every project directly in the folders;
    "none" or "": nothing; otherwise comma-separated names, looked up in the folders in
    order (the first folder that has one wins, as for the URL /ows/<name>)."""
    setting = setting.strip()
    if setting in ("", "none"):
        return [], []
    found: dict[str, Path] = {}
    for folder in project_dirs:
        for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            if NAME.fullmatch(path.stem):
                found.setdefault(path.stem, path)
    if setting == "all":
        return list(found.values()), []
    names = [name.strip() for name in setting.split(",") if name.strip()]
    bad = [name for name in names if not NAME.fullmatch(name)]
    if bad:
        raise PreloadChoiceError(f"not project names: {', '.join(bad)} (use all, none or name,name)")
    return [found[n] for n in names if n in found], [n for n in names if n not in found]
