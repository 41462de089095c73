"""Does every layer of the staged project load, in the QGIS that will serve it?

The static check (stack.repro.sources) catches unmapped paths and services before any
container starts; this one asks QGIS itself, inside the qgis-server container, with the
same libpq files the workers use, and names each layer that does not load.
"""

from __future__ import annotations

import json
import re

import docker
from lxml import etree

from stack.core.settings import Settings
from stack.deploy.containers import service_container
from stack.repro.case import Case, CaseError
from stack.repro.sources import CONTAINER_REPRO_DIR, LayerSource, read_layers

CHECK = """
import json, sys
from qgis.core import QgsApplication, QgsProject
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
read = project.read(sys.argv[1])
bad = []
for layer in project.mapLayers().values():
    if not layer.isValid():
        error = layer.error().summary() if layer.error() else ""
        provider = layer.dataProvider()
        if provider is not None and provider.error().summary():
            error = provider.error().summary()
        bad.append({"name": layer.name(), "provider": layer.providerType(),
                    "source": layer.source(), "error": error})
print("REPRO-CHECK " + json.dumps({"read": read, "error": project.error(), "bad": bad}))
app.exitQgis()
"""


def check_in_qgis(client: docker.DockerClient, settings: Settings, case: Case) -> None:
    qgis = service_container(client, settings.project_name, "qgis-server")
    staged = f"{CONTAINER_REPRO_DIR}/{case.name}/{case.name}.qgs"
    code, output = qgis.exec_run(["python3", "-c", CHECK, staged])
    text = output.decode(errors="replace")
    found = [line for line in text.splitlines() if line.startswith("REPRO-CHECK ")]
    if not found:
        # QGIS died reading the project (3.22 does on a corrupt GeoPackage): name the layers
        # whose files its last words mention.
        named = [layer for layer in staged_layers(settings, case) if mentioned(layer, text)]
        listed = "".join(f"\n  layer '{b.name}' ({b.provider}: {mask(b.source)})" for b in named)
        raise CaseError(
            f"{case.project}: QGIS {settings.release.version} stopped while loading it (exit {code})"
            f"{listed}\n  last lines: {text.strip()[-400:]}"
        )
    result = json.loads(found[-1].removeprefix("REPRO-CHECK "))
    if not result["read"]:
        raise CaseError(f"{case.project}: QGIS {settings.release.version} cannot read it: {result['error']}")
    if result["bad"]:
        listed = "\n  ".join(
            f"layer '{b['name']}' ({b['provider']}: {mask(b['source'])}): {b['error'] or 'not valid'}"
            for b in result["bad"]
        )
        raise CaseError(
            f"{case.project}: {len(result['bad'])} layer(s) do not load in QGIS "
            f"{settings.release.version}:\n  {listed}"
        )


def mask(source: str) -> str:
    return re.sub(r"password=('[^']*'|\S+)", "password=…", source)


def staged_layers(settings: Settings, case: Case) -> list[LayerSource]:
    staged = settings.repro_dir / case.name / f"{case.name}.qgs"
    try:
        return read_layers(etree.parse(str(staged)).getroot())
    except (OSError, etree.XMLSyntaxError):
        return []


def mentioned(layer: LayerSource, text: str) -> bool:
    path = layer.source.split("|")[0]
    return bool(path) and (path in text or path.rsplit("/", 1)[-1] in text)
