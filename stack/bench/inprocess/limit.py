"""The bench's limit: QgsServer.handleRequest in fresh Python processes, run inside the
qgis-server image with the stack's environment, project and plugins (no HTTP, no FastCGI).

    python3 limit.py QUERIES_JSON PROCESSES WARMUP_S WINDOW_S

starts PROCESSES children (each a fresh interpreter), waits until every one has loaded
QGIS, the plugins and the project, then lets them run a closed loop over the queries: a
warm-up, then a window in which every finished request is timed. Prints one JSON object:
latencies (s), errors, CPU in the window, first-request times, and one SHA-256 per query (the proof that the
same work was done as through the servers)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time

CHILD = "--child"
# Servers write their own address into capabilities documents: left out of the digest.
URL = re.compile(rb"https?://[^\"'<>\s]*")


def digest(body: bytes) -> str:
    """SHA-256 of a response with every URL in it blanked out."""
    return hashlib.sha256(URL.sub(b"URL", body)).hexdigest()


def read_json(path: str) -> list[str]:
    with open(path) as file:
        return json.load(file)


def is_server_plugin(metadata: str) -> bool:
    with open(metadata) as file:
        return "server=true" in file.read().lower().replace(" ", "")


def child(queries: list[str]) -> None:
    from qgis.core import QgsApplication
    from qgis.server import QgsBufferServerRequest, QgsBufferServerResponse, QgsServer, QgsServerRequest

    app = QgsApplication([], False)
    app.initQgis()
    server = QgsServer()
    import qgis.utils

    qgis.utils.serverIface = server.serverInterface()
    for root in os.environ.get("QGIS_PLUGINPATH", "").split(":"):
        if not os.path.isdir(root):
            continue
        sys.path.insert(0, root)
        for name in sorted(os.listdir(root)):
            metadata = os.path.join(root, name, "metadata.txt")
            if os.path.isfile(metadata) and is_server_plugin(metadata):
                __import__(name)
                qgis.utils.startServerPlugin(name)

    role = {os.environ["BENCH_ROLE_HEADER"]: os.environ["BENCH_ROLE"]} if "BENCH_ROLE" in os.environ else {}

    def handle(q: str) -> tuple[int, bytes]:
        request = QgsBufferServerRequest(f"http://bench/ows/demo?{q}", QgsServerRequest.GetMethod, role)
        response = QgsBufferServerResponse()
        server.handleRequest(request, response)
        return response.statusCode(), bytes(response.body())

    started = time.perf_counter()
    status, _ = handle(queries[0])
    first = time.perf_counter() - started
    hashes = {q: digest(handle(q)[1]) for q in queries[:8]}
    print(json.dumps({"ready": True, "first_s": first, "first_status": status}), flush=True)
    warm_end, window_end = (float(v) for v in sys.stdin.readline().split())
    latencies: list[float] = []
    errors = 0
    index = 0
    cpu_start = None
    while True:
        now = time.time()
        if now >= window_end:
            break
        if cpu_start is None and now >= warm_end:
            cpu_start = time.process_time()
        q = queries[index % len(queries)]
        index += 1
        started = time.perf_counter()
        status, _ = handle(q)
        elapsed = time.perf_counter() - started
        if now >= warm_end and time.time() <= window_end:
            latencies.append(elapsed)
            errors += status >= 400
    cpu = time.process_time() - cpu_start if cpu_start is not None else 0.0
    print(json.dumps({"latencies": latencies, "errors": errors, "hashes": hashes, "cpu_s": cpu}), flush=True)


def main() -> None:
    processes, warmup, window = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    env = {**os.environ, "QGIS_PROJECT_FILE": os.environ["BENCH_PROJECT_FILE"]}
    children = [
        subprocess.Popen(
            [sys.executable, __file__, CHILD, sys.argv[1]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for _ in range(processes)
    ]
    ready = [json.loads(c.stdout.readline()) for c in children]  # type: ignore[union-attr]
    warm_end = time.time() + warmup
    for c in children:
        c.stdin.write(f"{warm_end} {warm_end + window}\n")  # type: ignore[union-attr]
        c.stdin.flush()  # type: ignore[union-attr]
    results = [json.loads(c.stdout.readline()) for c in children]  # type: ignore[union-attr]
    for c in children:
        c.wait(timeout=60)
    print(
        json.dumps(
            {
                "latencies": [x for r in results for x in r["latencies"]],
                "errors": sum(r["errors"] for r in results),
                "cpu_s": sum(r["cpu_s"] for r in results),
                "first_s": [r["first_s"] for r in ready],
                "hashes": results[0]["hashes"],
                "window_s": window,
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == CHILD:
        child(read_json(sys.argv[2]))
    else:
        main()
