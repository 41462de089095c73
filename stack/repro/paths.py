"""File paths in a production project: which file a source reads, and production prefixes
moved to the case's folder as the containers see it.

Projects written on Windows name C:/… or C:\\… (any case of drive letter), shares as
//server/share/…, delimited text as file:///…?type=csv, SpatiaLite as dbname='…', GDAL
sub-datasets as GPKG:/…/x.gpkg:table or NETCDF:"/…/x.nc":var, archives as /vsizip/…. A
prefix is mapped wherever a path can start in such a source, and in any other attribute
or text of the project that names it (layer tree, layouts' atlas coverage layers,
relations, map themes, SVG markers, form files).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

# Where a staged case's folder is mounted in nginx and QGIS (docker-compose.yml).
CONTAINER_REPRO_DIR = "/srv/qgis/repro"
WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[/\\]|[/\\]{2}[^/\\])")
# A path starts a source, or follows a provider prefix (GPKG:), a quote (dbname='…'),
# '=' (url=…), a file URI's slashes or a GDAL archive prefix.
PATH_START = (
    r"(?:^|(?<=[:'\"=])|(?<=file://)|(?<=file:///)"
    r"|(?<=/vsizip/)|(?<=/vsitar/)|(?<=/vsigzip/)|(?<=/vsi7z/))"
)
# …and a mapped prefix ends where a folder does, or where the source goes on.
PREFIX_END = r"(?=[/\\|?'\":\s]|$)"
# The rest of a Windows path, up to where the source goes on: its backslashes become slashes.
WINDOWS_REST = r"[^|?'\"]*"
ARCHIVE = re.compile(
    r"^/vsi(?:zip|tar|gzip|7z)/(/?.*?\.(?:zip|tar|tgz|tar\.gz|gz|7z))(?:/.*)?$", re.IGNORECASE
)
# Folders production data usually lives under, for the warning about paths left unmapped.
DATA_ROOTS = r"/(?:home|Users|mnt|media|srv|data|opt|var|tmp)/"
GDAL_SUBDATASET = re.compile(r"^[A-Za-z0-9_]{2,}:(\"[^\"]+\"|.+?)(?::[^/\\:]*)?$")


def prefix_pattern(prefix: str) -> re.Pattern[str]:
    """A production prefix as a pattern: either slash for a Windows path, any case of it."""
    windows = bool(WINDOWS_PATH.match(prefix))
    body = "".join(r"[/\\]" if char in "/\\" else re.escape(char) for char in prefix.rstrip("/\\"))
    rest = f"({WINDOWS_REST})" if windows else "()"
    return re.compile(PATH_START + body + PREFIX_END + rest, re.IGNORECASE if windows else 0)


Mapping = list[tuple[re.Pattern[str], str]]


def container_folder(case_folder: Path, case_name: str, local: Path) -> str:
    return f"{CONTAINER_REPRO_DIR}/{case_name}/{local.relative_to(case_folder).as_posix()}".rstrip("/.")


def map_prefixes(text: str, mapped: Mapping) -> str:
    """Every mapped prefix in text → its folder in the container; longest prefix first."""
    for pattern, target in mapped:
        text = pattern.sub(lambda match, target=target: target + match[1].replace("\\", "/"), text)
    # file:///C:/… mapped to /srv/… would read file:////srv/…
    return re.sub(rf"\bfile:///+(?={re.escape(CONTAINER_REPRO_DIR.lstrip('/'))}/)", "file:///", text)


def mapped_prefixes(case_folder: Path, case_name: str, paths: dict[str, Path]) -> Mapping:
    ordered = sorted(paths.items(), key=lambda item: -len(item[0]))
    return [
        (prefix_pattern(prefix), container_folder(case_folder, case_name, local)) for prefix, local in ordered
    ]


def source_file(provider: str, source: str) -> str | None:
    """The file a file-based layer reads, as its source names it (absolute or relative)."""
    dbname = re.search(r"(?:^|\s)dbname=('(?:[^'\\]|\\.)*'|\S+)", source)
    if provider == "spatialite" or (dbname and source.lstrip().startswith("dbname=")):
        return dbname[1].strip("'") if dbname else None
    path = source.split("|")[0].strip()
    if path.lower().startswith("file:"):
        path = unquote(re.sub(r"^file:(?://(?=/))?", "", path, flags=re.IGNORECASE).split("?")[0])
        return re.sub(r"^/(?=[A-Za-z]:[/\\])", "", path)  # file:///C:/… names C:/…
    archive = ARCHIVE.match(path)
    if archive:
        return archive[1]
    subdataset = GDAL_SUBDATASET.match(path)
    if subdataset and not WINDOWS_PATH.match(path):
        return subdataset[1].strip('"')
    return path


def is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(WINDOWS_PATH.match(path))


def absolute_paths(text: str) -> list[str]:
    """Absolute file paths named in an attribute or text (for the unmapped-paths warning)."""
    found = re.findall(rf"(?:^|(?<=[:'\"=]))((?:{DATA_ROOTS}|[A-Za-z]:[/\\])[^|?'\"<>]*)", text)
    return [p.strip() for p in found if p.strip() and not p.startswith(CONTAINER_REPRO_DIR + "/")]
