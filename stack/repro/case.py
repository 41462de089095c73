"""A case folder: what it holds, read and checked before any container starts.

cases/<name>/
  case.toml        project, dumps, production → local mappings, stack settings, access rules
  <project>.qgs|.qgz and its file data
  requests.txt     one request a line (see stack.repro.requests_file)
  data/*.sql|*.dump   database dumps (plain SQL or pg_dump -Fc)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from stack.core.errors import StackError
from stack.repro.paths import CONTAINER_REPRO_DIR

CASE_FILE = "case.toml"
REQUESTS_FILE = "requests.txt"
PROJECT_SUFFIXES = (".qgs", ".qgz")
DUMP_SUFFIXES = (".sql", ".dump", ".backup")
# nginx serves /ows/<name>: the case name becomes the project name.
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# Only the stack's own knobs may be changed by a case (see .env.example).
STACK_SETTING = re.compile(r"^(QGIS_|NGINX_)[A-Z0-9_]+$")
# The rules the stack runs under unless a case brings its own (docker-compose.yml's default).
DEFAULT_ACCESS_RULES = "/etc/qgis-stack/access/rules.yaml"


class CaseError(StackError):
    """A case folder that cannot be run; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Case:
    folder: Path
    name: str
    project: Path
    description: str = ""
    dumps: tuple[Path, ...] = ()
    services: tuple[str, ...] = ()  # production pg_service names → the case database
    hosts: tuple[str, ...] = ()  # production database hosts (layers without a service)
    paths: dict[str, Path] = field(default_factory=dict)  # production prefix → folder in the case
    stack_settings: dict[str, str] = field(default_factory=dict)
    versions: tuple[str, ...] = ()  # the versions QGIS=all runs (default: every one)
    access_rules: Path | None = None  # rules of the case's own instead of access/rules.yaml

    @property
    def requests_file(self) -> Path:
        return self.folder / REQUESTS_FILE

    @property
    def database(self) -> str:
        """The PostGIS database the case's dumps go into: never the demo's."""
        return "repro_" + self.name.lower().replace("-", "_")

    @property
    def environment(self) -> dict[str, str]:
        """What the stack runs with for this case: its settings and its access rules."""
        rules = DEFAULT_ACCESS_RULES
        if self.access_rules is not None:
            inside = self.access_rules.relative_to(self.folder).as_posix()
            rules = f"{CONTAINER_REPRO_DIR}/{self.name}/{inside}"
        return {**self.stack_settings, "STACK_ACCESS_RULES": rules}

    @property
    def service(self) -> str:
        """The generated pg_service entry for layers named by host, not service."""
        return f"repro-{self.name}"


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CaseError(f"{where} must be a list of strings")
    return tuple(value)


def find_project(folder: Path, named: str | None) -> Path:
    if named:
        project = folder / named
        if not project.is_file():
            raise CaseError(f"{folder / CASE_FILE}: project = '{named}', but {project} does not exist")
        if project.suffix.lower() not in PROJECT_SUFFIXES:
            raise CaseError(f"{project}: a project is a .qgs or .qgz file")
        if project.resolve().parent != folder.resolve():
            # QGIS reads relative paths from the project's folder; the staged copy is at the top.
            raise CaseError(
                f"{folder / CASE_FILE}: project = '{named}': put the project at the top of the case "
                "folder (its relative paths are relative to it), its data beside or below it"
            )
        return project
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in PROJECT_SUFFIXES)
    if not found:
        raise CaseError(
            f"{folder}: no project (.qgs or .qgz) in the case folder; put it there or set project="
        )
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise CaseError(f"{folder}: several projects ({names}): say which in {CASE_FILE} with project = '…'")
    return found[0]


def load_case(folder: Path) -> Case:
    folder = folder.resolve()
    if not folder.is_dir():
        raise CaseError(f"{folder}: no such case folder (make repro CASE=cases/<name>)")
    if not NAME.match(folder.name):
        raise CaseError(f"{folder}: a case folder's name is its project name: only A-Z a-z 0-9 _ and -")
    config_path = folder / CASE_FILE
    try:
        config = tomllib.loads(config_path.read_text()) if config_path.is_file() else {}
    except tomllib.TOMLDecodeError as error:
        raise CaseError(f"{config_path}: {error}") from None
    section = config.get("case", {})
    project = find_project(folder, section.get("project"))
    dumps = tuple(
        folder / d for d in _strings(config.get("database", {}).get("dumps", []), "[database] dumps")
    )
    for dump in dumps:
        if not dump.is_file():
            raise CaseError(f"{config_path}: dump {dump} does not exist")
        if dump.suffix.lower() not in DUMP_SUFFIXES:
            raise CaseError(f"{dump}: a dump is plain SQL (.sql) or pg_dump -Fc (.dump, .backup)")
    paths: dict[str, Path] = {}
    for prefix, local in config.get("paths", {}).items():
        target = (folder / local).resolve()
        if not target.is_relative_to(folder):
            raise CaseError(f"{config_path}: [paths] '{prefix}' must map to a folder inside the case")
        paths[prefix.rstrip("/")] = target
    settings = {str(k): str(v) for k, v in config.get("stack", {}).items()}
    for key in settings:
        if not STACK_SETTING.match(key):
            raise CaseError(f"{config_path}: [stack] {key}: only QGIS_* and NGINX_* settings of .env.example")
    access_rules = None
    if (rules := config.get("access", {}).get("rules")) is not None:
        access_rules = (folder / str(rules)).resolve()
        if not access_rules.is_relative_to(folder) or not access_rules.is_file():
            raise CaseError(f"{config_path}: [access] rules = '{rules}': no such file in the case folder")
    return Case(
        folder=folder,
        name=folder.name,
        project=project,
        description=str(section.get("description", "")),
        dumps=dumps,
        services=_strings(config.get("database", {}).get("services", []), "[database] services"),
        hosts=_strings(config.get("database", {}).get("hosts", []), "[database] hosts"),
        paths=paths,
        stack_settings=settings,
        versions=_strings(section.get("versions", []), "[case] versions"),
        access_rules=access_rules,
    )
