"""The stack on a two-node Swarm: spread, rolling update, scaling, node loss, data, rollback.

Every load loop is bounded by a count and a deadline. Figures are printed (pytest -s) and
end up in the closing notes of issue 8; assertions hold what must be true.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from stack.core.waiting import wait_until
from stack.deploy.swarm import deploy as swarm
from stack.deploy.swarm.nodes import start_node, stop_node
from stack.harness.load import LoadLoop, LoadReport, Request, expect_status, http_get, load
from tests.swarm.conftest import Cluster
from tests.swarm.helpers import (
    GETCAPABILITIES,
    GETMAP,
    answering_host,
    curl_inside,
    nodes_of,
    running_tasks,
    spread_two_replicas,
    task_container,
    update_state,
    wait_answering,
    wait_settled,
)

pytestmark = pytest.mark.swarm
NODE_LOSS_BOUND_S = 90  # stated bound: requests succeed again within this after a node stops
OK = expect_status(200)


def capabilities(cluster: Cluster, timeout_s: float = 30.0) -> Request:
    """GetCapabilities through node 1's nginx, each client on its own keep-alive session."""
    return http_get(
        f"{cluster.url()}/ows/demo", GETCAPABILITIES, verify=cluster.ca, timeout_s=timeout_s, keep_alive=True
    )


def test_replicas_run_on_both_nodes_and_both_answer(cluster: Cluster) -> None:
    qgis = cluster.service("qgis-server")
    node_names = {node.name for node in cluster.nodes.nodes}
    # A fresh deployment spreads them; a kept cluster after the node-loss test has both on
    # one node (Swarm never rebalances), and this puts one back.
    spread_two_replicas(cluster.manager, qgis)
    assert nodes_of(cluster.manager, qgis) == node_names

    hosts: set[str] = set()
    for _ in range(60):  # bounded: nginx spreads over the addresses it resolved
        hosts.add(answering_host(cluster.url(), cluster.ca))
        if len(hosts) == 2:
            break
    print(f"\nanswered by {sorted(hosts)}")
    assert {host.rsplit("-qgis-", 1)[0] for host in hosts} == node_names


def test_every_node_serves_https_and_redirects_http(cluster: Cluster) -> None:
    for index, node in enumerate(cluster.nodes.nodes):
        assert requests.get(f"{cluster.url(index)}/healthz", verify=cluster.ca, timeout=15).status_code == 200
        redirect = requests.get(
            f"http://127.0.0.1:{node.http_port}/ows/demo?x=1", allow_redirects=False, timeout=15
        )
        assert redirect.status_code == 301
        assert (
            redirect.headers["Location"]
            == f"https://127.0.0.1:{cluster.settings.public_https_port}/ows/demo?x=1"
        )


def test_capabilities_advertise_the_public_https_url(cluster: Cluster) -> None:
    response = requests.get(
        f"{cluster.url()}/ows/demo", params=GETCAPABILITIES, verify=cluster.ca, timeout=30
    )
    assert response.status_code == 200, response.text[:300]
    assert f"https://127.0.0.1:{cluster.settings.public_https_port}/ows/demo".encode() in response.content
    assert b"http://" + b"127.0.0.1" not in response.content


def test_a_client_that_is_no_trusted_proxy_cannot_forge_urls_or_read_the_full_report(
    cluster: Cluster,
) -> None:
    """From inside node 1's nginx container the client is 127.0.0.1, which the test deployment
    neither trusts (STACK_TRUSTED_PROXIES) nor allows (STACK_INFO_ALLOW): its claims to be
    the allowed gateway, or another host, count for nothing."""
    engine = cluster.manager
    nginx = task_container(engine, cluster.service("nginx"))
    allowed = cluster.settings["STACK_INFO_ALLOW"]
    front = "https://127.0.0.1:8443"

    report = curl_inside(engine, nginx, f"{front}/healthz", f"X-Forwarded-For: {allowed}")
    capabilities = curl_inside(
        engine,
        nginx,
        f"{front}/ows/demo?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities",
        "X-Forwarded-Host: evil.example",
        "X-Forwarded-Proto: http",
    )

    assert json.loads(report) == {"healthy": True}
    assert "evil.example" not in capabilities
    assert "https://127.0.0.1:8443/ows/demo" in capabilities


def test_a_rolling_update_under_load_fails_no_request(cluster: Cluster) -> None:
    with load(capabilities(cluster), OK, clients=2, max_requests=20000, max_seconds=400) as loop:
        started = time.monotonic()
        swarm.deploy(cluster.settings, build=False, force=True)  # make deploy FORCE=1: a new task spec
        seconds = time.monotonic() - started
    report = loop.report
    print(f"\nrolling update of 2 replicas in {seconds:.0f} s under load: {report.summary()}")
    assert update_state(cluster.manager, cluster.service("qgis-server")) == "completed"
    assert len(report.outcomes) > 100, "the load loop barely ran"
    assert not report.failures, report.summary()


def test_scaling_1_to_2_replicas_uses_both_without_failures_and_prints_throughput(cluster: Cluster) -> None:
    qgis = cluster.service("qgis-server")
    figures = {}
    try:
        for replicas in (1, 2):
            cluster.manager.run("service", "scale", "--detach", f"{qgis}={replicas}")
            assert wait_settled(cluster.manager, qgis, replicas), f"{qgis} did not settle at {replicas}"
            wait_answering(cluster.url(), cluster.ca, replicas)
            getmap = http_get(f"{cluster.url()}/ows/demo", GETMAP, verify=cluster.ca, keep_alive=True)
            # Every replica's first GetMap reads the project and its layers: not part of the figure.
            LoadLoop(getmap, OK, clients=4, max_requests=8 * replicas).run()
            report = LoadLoop(getmap, OK, clients=4, max_requests=80, max_seconds=90).run()
            assert not report.failures, report.summary()
            figures[replicas] = report.throughput
            print(f"\n{replicas} replica(s), 1 worker each, 4 clients, 512x256 GetMap: {report.summary()}")
    finally:
        cluster.manager.run("service", "scale", "--detach", f"{qgis}=2")
        wait_settled(cluster.manager, qgis, 2)
    # A figure, not a verdict: on a shared 2-core machine a neighbour's load decides the ratio
    # (0.96x to 1.63x measured here), and speed targets belong in make bench. What must hold:
    # every replica took requests (wait_answering) and none failed at either size.
    print(f"throughput 2 replicas / 1 replica: {figures[2] / figures[1]:.2f}x")


def test_postgis_data_survives_a_forced_update(cluster: Cluster) -> None:
    postgis = cluster.service("postgis")
    marker = f"survives-{int(time.time())}"

    def psql(sql: str) -> str:
        (task,) = running_tasks(cluster.manager, postgis)
        container = cluster.manager.run(
            "ps", "--quiet", "--filter", f"label=com.docker.swarm.task.id={task['ID']}"
        ).strip()
        return cluster.manager.run(
            "exec", container, "psql", "-U", "postgres", "-d", "gis", "-tAc", sql
        ).strip()

    psql("CREATE TABLE IF NOT EXISTS swarm_test_marker (value text)")
    psql(f"INSERT INTO swarm_test_marker VALUES ('{marker}')")
    cluster.manager.run("service", "update", "--force", "--detach", postgis)
    assert wait_until(lambda: update_state(cluster.manager, postgis) == "completed", 180, interval_s=1)
    assert wait_settled(cluster.manager, postgis, 1)
    assert marker in psql("SELECT value FROM swarm_test_marker")
    assert wait_until(
        lambda: requests.get(f"{cluster.url()}/healthz", verify=cluster.ca, timeout=15).json()["postgis"][
            "reachable"
        ],
        60,
    )


def test_a_failing_update_rolls_back_by_itself_without_failed_requests(cluster: Cluster) -> None:
    qgis = cluster.service("qgis-server")
    with load(capabilities(cluster), OK, clients=2, max_requests=20000, max_seconds=300) as loop:
        # The entrypoint refuses this at once (exit 64): every new task fails.
        cluster.manager.run("service", "update", "--detach", "--env-add", "QGIS_WORKERS=many", qgis)
        rolled_back = wait_until(lambda: update_state(cluster.manager, qgis) == "rollback_completed", 240, 1)
    report = loop.report
    print(f"\nfailed update, rolled back: {rolled_back}; load meanwhile: {report.summary()}")
    assert rolled_back, f"update state: {update_state(cluster.manager, qgis)}"
    env = cluster.manager.run(
        "service", "inspect", qgis, "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Env}}"
    )
    assert "QGIS_WORKERS=many" not in env
    assert not report.failures, report.summary()


def test_a_stopped_node_is_replaced_and_requests_succeed_again(cluster: Cluster) -> None:
    qgis = cluster.service("qgis-server")
    manager_node, worker = cluster.nodes.nodes[0], cluster.nodes.nodes[1]
    spread_two_replicas(cluster.manager, qgis)  # the worker must hold a replica to lose
    assert worker.name in nodes_of(cluster.manager, qgis)
    loop = LoadLoop(capabilities(cluster), OK, clients=2, max_requests=20000, max_seconds=300)
    loop.start()
    try:
        stopped_at = time.monotonic()
        stop_node(worker)
        rescheduled = wait_until(
            lambda: (
                nodes_of(cluster.manager, qgis) == {manager_node.name}
                and len(running_tasks(cluster.manager, qgis)) == 2
            ),
            NODE_LOSS_BOUND_S + 60,
            interval_s=1,
        )
        rescheduled_at = time.monotonic()
        # Then the clients go on until 100 more requests have been answered.
        answered_after = wait_until(lambda: loop.count(since_s=rescheduled_at) >= 100, 120, interval_s=0.5)
    finally:
        report: LoadReport = loop.stop()
        start_node(worker)
    after = [o for o in report.outcomes if o.started_s >= stopped_at]
    # Recovered: the end of the last request that failed or took over 1 s (0: none did).
    disrupted = [o for o in after if not o.ok or o.seconds > 1.0]
    recovered_s = max((o.finished_s - stopped_at for o in disrupted), default=0.0)
    late_failures = [o for o in report.outcomes if o.started_s >= rescheduled_at and not o.ok]
    print(
        f"\nnode {worker.name} stopped: replicas rescheduled after {rescheduled_at - stopped_at:.0f} s; "
        f"requests fast (< 1 s) and successful again after {recovered_s:.1f} s "
        f"(stated bound {NODE_LOSS_BOUND_S} s); since the stop: {len(after)} requests, "
        f"{sum(not o.ok for o in after)} failed, {len(disrupted)} failed or slower than 1 s, "
        f"slowest {max((o.seconds for o in after), default=0):.1f} s"
    )
    assert rescheduled, f"tasks: {running_tasks(cluster.manager, qgis)}"
    assert answered_after, f"the clients got few answers after the rescheduling: {report.summary()}"
    assert not late_failures, report.summary()
    assert recovered_s < NODE_LOSS_BOUND_S
