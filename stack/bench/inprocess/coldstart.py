"""Cold start variants, in the qgis-server image: a fresh process per try, timing its
first WMS GetCapabilities (which loads the project), with and without
QGIS_SERVER_TRUST_LAYER_METADATA and with PostGIS layers set to estimated metadata.

    python3 coldstart.py PROJECT TRIES      → one JSON object: variant → [seconds]"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time

CHILD = "--child"
CAPABILITIES = "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities"


def child(project: str) -> None:
    from qgis.core import QgsApplication
    from qgis.server import QgsBufferServerRequest, QgsBufferServerResponse, QgsServer

    app = QgsApplication([], False)
    app.initQgis()
    server = QgsServer()
    request = QgsBufferServerRequest(f"http://bench/ows/demo?{CAPABILITIES}")
    response = QgsBufferServerResponse()
    started = time.perf_counter()
    server.handleRequest(request, response)
    print(json.dumps({"first_s": time.perf_counter() - started, "status": response.statusCode()}))


def estimated_copy(project: str) -> str:
    """The project with estimatedmetadata=true on every PostGIS layer."""
    with open(project) as file:
        text = file.read()
    text = re.sub(r"(<datasource>[^<]*key=&apos;id&apos;)", r"\1 estimatedmetadata=true", text)
    text = re.sub(r"(<datasource>[^<]*key='id')", r"\1 estimatedmetadata=true", text)
    # The copy lives elsewhere: file sources relative to the project become absolute.
    folder = os.path.dirname(os.path.abspath(project))
    text = text.replace("<datasource>./", f"<datasource>{folder}/")
    path = "/tmp/coldstart-estimated.qgs"
    with open(path, "w") as file:
        file.write(text)
    return path


def first_request(project: str, trust: bool) -> float:
    # QGIS as it comes: no plugins (QgsServer would load QGIS_PLUGINPATH's, whose guard
    # refuses MAP and whose preload would load the project first), the project by path.
    env = {
        **os.environ,
        "QGIS_SERVER_TRUST_LAYER_METADATA": "1" if trust else "0",
        "QGIS_PROJECT_FILE": project,
        "QGIS_PLUGINPATH": "",
    }
    done = subprocess.run([sys.executable, __file__, CHILD, project], env=env, capture_output=True, text=True,
                          check=True)  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != 200:
        raise RuntimeError(f"GetCapabilities answered {result['status']}: {done.stderr[-1500:]}")
    return result["first_s"]


def main(project: str, tries: int) -> None:
    estimated = estimated_copy(project)
    variants = {
        "default": (project, False),
        "TRUST_LAYER_METADATA": (project, True),
        "estimatedmetadata": (estimated, False),
        "both": (estimated, True),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(tries):  # interleaved, so load on the machine hits every variant alike
        for name, (path, trust) in variants.items():
            times[name].append(first_request(path, trust))
    print(json.dumps({name: {"median_s": statistics.median(v), "all_s": v} for name, v in times.items()}))


if __name__ == "__main__":
    if sys.argv[1] == CHILD:
        child(sys.argv[2])
    else:
        main(sys.argv[1], int(sys.argv[2]))
