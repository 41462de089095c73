"""A request answered by QGIS alone (`via=qgis`): QgsServer inside the qgis-server container,
on the staged project, without nginx and without any server plugin (no stack_guard, no
access rules). A case shows with it what QGIS itself does at each version, beside what
the stack answers; a request that spins QGIS forever is killed after its timeout.
"""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass

import docker

from stack.core.settings import Settings
from stack.deploy.containers import service_container
from stack.repro.case import Case
from stack.repro.paths import CONTAINER_REPRO_DIR
from stack.repro.requests_file import ReplayRequest

MARK = "REPRO-BARE "
# Runs in the container: the request as JSON on stdin, the answer as one JSON line.
SERVE = """
import base64, json, sys
from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QByteArray
from qgis.server import QgsBufferServerRequest, QgsBufferServerResponse, QgsServer, QgsServerRequest
asked = json.load(sys.stdin)
app = QgsApplication([], False)
app.initQgis()
server = QgsServer()
project = QgsProject()
project.read(asked["project"])
method = QgsServerRequest.PostMethod if asked["method"] == "POST" else QgsServerRequest.GetMethod
body = QByteArray(base64.b64decode(asked["body"]))
request = QgsBufferServerRequest("http://localhost" + asked["target"], method, asked["headers"], body)
response = QgsBufferServerResponse()
server.handleRequest(request, response, project)
headers = {str(k): str(v) for k, v in response.headers().items()}
print(MARK + json.dumps({"status": response.statusCode(), "headers": headers,
                         "body": base64.b64encode(bytes(response.body())).decode()}), flush=True)
"""


@dataclass(frozen=True)
class BareAnswer:
    status: int  # 0: QGIS did not answer within the timeout
    content_type: str
    body: bytes
    error: str = ""


def send_bare(settings: Settings, case: Case, request: ReplayRequest) -> BareAnswer:
    container = service_container(docker.from_env(), settings.project_name, "qgis-server").name
    asked = {
        "project": f"{CONTAINER_REPRO_DIR}/{case.name}/{case.name}.qgs",
        "method": request.method,
        "target": request.target if request.target.startswith("/") else "/" + request.target,
        "headers": dict(request.headers)
        | ({"Content-Type": request.content_type or "text/xml"} if request.body else {}),
        "body": base64.b64encode(request.body.read_bytes() if request.body else b"").decode(),
    }
    # `timeout` in the container ends a QGIS that spins: the docker CLI would only stop waiting.
    command = ["docker", "exec", "-i", container, "timeout", "--signal=KILL", f"{request.timeout_s:.0f}"]
    script = SERVE.replace("MARK", repr(MARK))
    result = subprocess.run(
        [*command, "python3", "-c", script], input=json.dumps(asked).encode(), capture_output=True
    )
    lines = [line for line in result.stdout.decode(errors="replace").splitlines() if line.startswith(MARK)]
    if not lines:
        if result.returncode in (124, 137):
            return BareAnswer(0, "", b"", f"QGIS gave no answer within {request.timeout_s:.0f} s (killed)")
        tail = result.stderr.decode(errors="replace").strip()[-300:]
        return BareAnswer(0, "", b"", f"QGIS stopped (exit {result.returncode}): {tail}")
    answer = json.loads(lines[-1].removeprefix(MARK))
    content_type = next((v for k, v in answer["headers"].items() if k.lower() == "content-type"), "")
    return BareAnswer(answer["status"], content_type, base64.b64decode(answer["body"]))
