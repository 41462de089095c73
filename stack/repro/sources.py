"""Layer sources of a project: read them, map production ones to local ones, check them.

Production projects name production things. File paths under a mapped prefix move to the
case's folder as the containers see it; PostgreSQL layers keep their service name (the
case generates an entry for it) or, when they name a host, get the case's own service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from stack.repro.case import Case, CaseError
from stack.repro.paths import CONTAINER_REPRO_DIR, is_absolute, map_prefixes, mapped_prefixes, source_file

FILE_PROVIDERS = ("ogr", "gdal", "spatialite", "delimitedtext", "mdal", "pdal")
REMOTE_PROVIDERS = ("wms", "wfs", "arcgisfeatureserver", "arcgismapserver", "oapif", "WFS", "vectortile")
# Connection parameters a local database replaces (libpq keywords, as QGIS writes them).
CONNECTION_KEYS = ("dbname", "host", "hostaddr", "port", "user", "password", "authcfg", "sslmode", "service")
VALUE = r"(?:'(?:[^'\\]|\\.)*'|[^\s']+)"


@dataclass(frozen=True)
class LayerSource:
    layer_id: str
    name: str
    provider: str
    source: str

    @property
    def shown(self) -> str:
        """The source for messages: never a password."""
        return re.sub(rf"password={VALUE}", "password=…", self.source)


def read_layers(root: etree._Element) -> list[LayerSource]:
    layers = []
    for element in root.iter("maplayer"):
        layers.append(
            LayerSource(
                layer_id=element.findtext("id") or "",
                name=element.findtext("layername") or "",
                provider=(element.findtext("provider") or "").strip(),
                source=element.findtext("datasource") or "",
            )
        )
    return layers


def connection_value(source: str, key: str) -> str | None:
    found = re.search(rf"(?:^|\s){key}=({VALUE})", source)
    return found[1].strip("'") if found else None


def map_paths(case: Case, text: str) -> str:
    """Production path prefixes → the case's folders as the containers see them."""
    return map_prefixes(text, mapped_prefixes(case.folder, case.name, case.paths))


def map_postgres(case: Case, source: str) -> str:
    """A database named by host gets the case's service; SSL and stored logins go."""
    service = connection_value(source, "service")
    drop = CONNECTION_KEYS if service is None else ("sslmode", "authcfg")
    for key in drop:
        source = re.sub(rf"(?:^|\s){key}={VALUE}", "", source)
    source = source.strip()
    return source if service is not None else f"service='{case.service}' {source}"


def local_source(case: Case, layer: LayerSource) -> str:
    if layer.provider == "postgres":
        return map_postgres(case, layer.source)
    return map_paths(case, layer.source)


def file_path(layer: LayerSource, source: str) -> str | None:
    """The file a file-based layer reads, as written in its source."""
    if layer.provider not in FILE_PROVIDERS:
        return None
    return source_file(layer.provider, source)


def problem(case: Case, project_dir: Path, layer: LayerSource) -> str | None:
    """Why this layer will not resolve locally, or None."""
    source = local_source(case, layer)
    where = f"layer '{layer.name}' ({layer.provider}: {layer.shown})"
    if layer.provider == "postgres":
        service = connection_value(layer.source, "service")
        if service is not None and service not in case.services and service != "qgis-stack":
            return f"{where} names pg_service '{service}': add it to [database] services in case.toml"
        host = connection_value(layer.source, "host")
        if service is None and host not in case.hosts:
            return f"{where} names database host '{host}': add it to [database] hosts in case.toml"
        return None
    path = file_path(layer, source)
    if not path:
        return None
    prefix = f"{CONTAINER_REPRO_DIR}/{case.name}/"
    if path.startswith(prefix):
        local = case.folder / path.removeprefix(prefix)
    elif is_absolute(path):
        folder = re.split(r"[/\\][^/\\]*$", path)[0] or "/"
        return (
            f"{where} reads {path}, outside the case: copy the file into the case and map its "
            f'folder in case.toml, e.g. [paths] "{folder}" = "data"'
        )
    else:
        local = (project_dir / path).resolve()
        if not local.is_relative_to(case.folder):
            # Production keeps shared data beside the project's folder (../shared/…): the
            # case holds it below, and [paths] maps the relative prefix too.
            folder = re.split(r"[/\\][^/\\]*$", path)[0]
            return (
                f"{where} reads {local}, outside the case folder: copy it into the case and map it, "
                f'e.g. [paths] "{folder}" = "{folder.lstrip("./") or "data"}"'
            )
    if not local.exists():
        return f"{where}: the file {local} does not exist"
    return None


def check_layers(case: Case, project_dir: Path, layers: list[LayerSource]) -> None:
    problems = [p for layer in layers if (p := problem(case, project_dir, layer))]
    if problems:
        listed = "\n  ".join(problems)
        raise CaseError(f"{case.project}: {len(problems)} layer(s) would not resolve locally:\n  {listed}")
