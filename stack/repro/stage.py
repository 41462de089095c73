"""The served copy of a case: its project rewritten to local sources, its files beside it.

The user's project is never edited. A .qgz is a zip holding the .qgs (and maybe an
auxiliary .qgd): both are extracted, since nginx serves <name>.qgs.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from lxml import etree

from stack.core.console import say
from stack.repro.case import DUMP_SUFFIXES, REQUESTS_FILE, Case, CaseError
from stack.repro.paths import absolute_paths
from stack.repro.sources import LayerSource, check_layers, local_source, map_paths, read_layers

PARSER = etree.XMLParser(remove_blank_text=False, huge_tree=True)


def project_xml(case: Case) -> tuple[bytes, dict[str, bytes]]:
    """The project's .qgs text and, for a .qgz, its other members (auxiliary storage)."""
    if case.project.suffix.lower() == ".qgs":
        return case.project.read_bytes(), {}
    try:
        with zipfile.ZipFile(case.project) as archive:
            names = archive.namelist()
            qgs = [n for n in names if n.lower().endswith(".qgs")]
            if len(qgs) != 1:
                raise CaseError(f"{case.project}: a .qgz holds one .qgs; this one holds {names}")
            others = {n: archive.read(n) for n in names if n != qgs[0]}
            return archive.read(qgs[0]), others
    except zipfile.BadZipFile:
        raise CaseError(f"{case.project}: not a .qgz (zip) file") from None


def parse(case: Case, text: bytes) -> etree._Element:
    try:
        return etree.fromstring(text, PARSER)
    except etree.XMLSyntaxError as error:
        raise CaseError(f"{case.project}: not a QGIS project: {error}") from None


def rewrite(case: Case, root: etree._Element) -> list[LayerSource]:
    layers = read_layers(root)
    check_layers(case, case.folder, layers)
    local = {layer.layer_id: local_source(case, layer) for layer in layers}
    datasources = set()
    for element in root.iter("maplayer"):
        datasource = element.find("datasource")
        if datasource is not None:
            datasource.text = local[element.findtext("id") or ""]
            datasources.add(datasource)
    # The layer tree repeats each source; keep it consistent with the layers.
    for element in root.iter("layer-tree-layer"):
        if element.get("id") in local and element.get("source") is not None:
            element.set("source", local[element.get("id", "")])
    # Layouts (atlas coverage layers), relations, attribute tables and map themes name
    # layers by source too, and symbols name SVG files: the same prefixes move there.
    for element in root.iter():
        if element in datasources or not isinstance(element.tag, str):
            continue
        if element.text and element.text.strip():
            element.text = map_paths(case, element.text)
        for key, value in element.attrib.items():
            element.set(key, map_paths(case, value))
    return layers


def unmapped_paths(root: etree._Element) -> list[str]:
    """Absolute paths still in the staged copy: QGIS finds layers by id first, so a stale
    path in a layout or relation usually does no harm, but an SVG or form file will be missing."""
    found: dict[str, None] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for text in [element.text or "", *element.attrib.values()]:
            for path in absolute_paths(text):
                found.setdefault(path)
    return list(found)


def stage(case: Case, repro_dir: Path) -> Path:
    """Write the served copy; returns the staged .qgs."""
    text, members = project_xml(case)
    root = parse(case, text)
    rewrite(case, root)
    stale = unmapped_paths(root)
    if stale:
        shown = "\n  ".join(stale[:8]) + ("\n  …" if len(stale) > 8 else "")
        say(
            f"{case.project.name} still names {len(stale)} absolute path(s) outside the case "
            f"(map their folders in [paths] if QGIS needs them):\n  {shown}"
        )
    target = repro_dir / case.name
    if target.exists():
        shutil.rmtree(target)
    skipped = {case.project.name, REQUESTS_FILE, "case.toml"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in skipped or n.lower().endswith(DUMP_SUFFIXES)}

    shutil.copytree(case.folder, target, ignore=ignore)
    for name, data in members.items():
        # QGIS finds auxiliary storage by the project's own name, which is now the case's.
        member = f"{case.name}.qgd" if name.lower().endswith(".qgd") else Path(name).name
        (target / member).write_bytes(data)
    staged = target / f"{case.name}.qgs"
    staged.write_bytes(etree.tostring(root.getroottree(), encoding="utf-8"))
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return staged
