"""A worker stuck on one request is killed after QGIS_WORKER_REQUEST_TIMEOUT and replaced."""

from pathlib import Path

import pytest
from docker.models.containers import Container

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.deploy.workers import worker_pids
from stack.harness.metrics import parse, value
from stack.harness.throwaway import healthy, plugin_folder

pytestmark = pytest.mark.docker

HANG = "SERVICE=HANG&REQUEST=Hang"


def send_in_background(container: Container, query: str) -> None:
    """A FastCGI request from inside the container that nobody waits for."""
    container.exec_run(["timeout", "60", "qgis-fcgi-request", query], detach=True)


def metrics_inside(container: Container) -> str:
    """/metrics of the container's exporter (a throwaway container has no nginx)."""
    script = "import urllib.request as u; print(u.urlopen('http://127.0.0.1:9180/metrics').read().decode())"
    result = container.exec_run(["python3", "-c", script])
    assert result.exit_code == 0, result.output
    return result.output.decode()


def test_a_worker_stuck_on_a_request_is_replaced_after_the_timeout(tmp_path: Path, start_qgis_server) -> None:
    plugins = plugin_folder(
        tmp_path, REPO_ROOT / "plugins/stack_info", REPO_ROOT / "tests/fixtures/hanging_plugin"
    )
    container = start_qgis_server(plugins, QGIS_WORKER_REQUEST_TIMEOUT="3")
    healthy(container, timeout_s=60)
    (stuck,) = worker_pids(container)

    send_in_background(container, HANG)

    def replaced() -> bool:
        now = worker_pids(container)
        return bool(now) and stuck not in now

    assert wait_until(replaced, timeout_s=30), container.logs(tail=20).decode(errors="replace")
    log = container.logs().decode(errors="replace")
    assert f"killed worker {stuck}, busy" in log
    assert "SERVICE=HANG" in log  # the log names the request that got stuck
    healthy(container, timeout_s=30)
    # The new worker reports its start once QGIS has loaded in it.
    restarts = lambda: value(parse(metrics_inside(container)), "qgis_stack_worker_restarts_total")  # noqa: E731
    assert wait_until(lambda: restarts() >= 1, timeout_s=30)
    samples = parse(metrics_inside(container))
    assert value(samples, "qgis_stack_watchdog_kills_total") == 1
    assert value(samples, "qgis_stack_worker_restarts_total") == 1


def test_the_kill_line_names_the_request_id_nginx_gave_the_request(
    tmp_path: Path, start_qgis_server, start_nginx
) -> None:
    plugins = plugin_folder(
        tmp_path, REPO_ROOT / "plugins/stack_info", REPO_ROOT / "tests/fixtures/hanging_plugin"
    )
    projects, access = tmp_path / "projects", tmp_path / "access"
    projects.mkdir()
    access.mkdir()
    (access / "users.map").write_text("")
    (access / "htpasswd").write_text("")
    for path in (projects, access, *access.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    qgis = start_qgis_server(plugins, projects, QGIS_WORKER_REQUEST_TIMEOUT="3")
    healthy(qgis, timeout_s=60)
    (projects / "hang.qgs").write_bytes(qgis.exec_run(["cat", "/usr/share/qgis-stack/health.qgs"]).output)
    (projects / "hang.qgs").chmod(0o644)
    nginx = start_nginx(qgis, projects, access)
    healthy(nginx, timeout_s=60)

    nginx.exec_run(
        [
            "curl",
            "-s",
            "-m",
            "30",
            "-H",
            "X-Request-Id: stuck-1234",
            f"http://127.0.0.1:8080/ows/hang?{HANG}",
        ],
        detach=True,
    )

    def killed() -> bool:
        return "qgis-worker-watchdog: killed worker" in qgis.logs().decode(errors="replace")

    assert wait_until(killed, timeout_s=30), qgis.logs(tail=20).decode(errors="replace")
    kill_line = next(line for line in qgis.logs().decode().splitlines() if "killed worker" in line)
    assert "request stuck-1234" in kill_line


def test_the_watchdog_kills_for_a_marker_that_holds_a_request_not_for_an_empty_one(
    tmp_path: Path, start_qgis_server
) -> None:
    """Workers keep their marker file between requests, empty: the watchdog must tell idle
    from busy by what the marker holds, not by its age. A stand-in process with a marker
    an hour old shows both sides (real workers' markers are refreshed by every health check)."""
    container = start_qgis_server(
        plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info"), QGIS_WORKER_REQUEST_TIMEOUT="1"
    )
    healthy(container, timeout_s=60)
    started = container.exec_run(
        ["bash", "-c", 'sleep 600 & echo $! && touch -d "1 hour ago" "$QGIS_STACK_BUSY_DIR/$!"'], detach=False
    )
    pid = int(started.output.split()[0])

    def alive() -> bool:  # a killed child of PID 1 may stay a zombie (state Z) for a while
        state = container.exec_run(["bash", "-c", f"cut -d' ' -f3 /proc/{pid}/stat"])
        return state.exit_code == 0 and state.output.strip() != b"Z"

    def heartbeat() -> int:
        return int(container.exec_run(["bash", "-c", 'stat -c %Y "$QGIS_STACK_BUSY_DIR/.heartbeat"']).output)

    first = heartbeat()
    assert wait_until(lambda: heartbeat() >= first + 4, timeout_s=30)  # two watchdog rounds
    assert alive(), "the watchdog killed a process whose marker is empty (an idle worker)"

    marker = f'"$QGIS_STACK_BUSY_DIR/{pid}"'
    holds = f'echo "request r1: /x" >{marker} && touch -d "1 hour ago" {marker}'
    assert container.exec_run(["bash", "-c", holds]).exit_code == 0
    assert wait_until(lambda: not alive(), timeout_s=30)
    assert f"killed worker {pid}, busy" in container.logs().decode(errors="replace")
