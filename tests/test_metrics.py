"""/metrics: Prometheus text whose counters rise by exactly the requests we send."""

from __future__ import annotations

import pytest
import requests

from stack.core.waiting import wait_until
from stack.harness.metrics import parse, scrape, value
from stack.harness.ows import ows_get

SENT = 7
REQUESTS = "qgis_stack_requests_total"
DURATION_COUNT = "qgis_stack_request_duration_seconds_count"


@pytest.fixture(autouse=True)
def metrics_readable(stack) -> None:
    """A deployment may keep /metrics to its Prometheus (STACK_METRICS_ALLOW)."""
    status = requests.get(f"{stack.base_url}/metrics", timeout=30).status_code
    if status == 403 and not stack.is_local:
        pytest.skip("/metrics is restricted to other addresses (STACK_METRICS_ALLOW)")


@pytest.fixture
def one_exporter(stack) -> None:
    """Exact counts need every scrape to reach the same exporter. A deployment answers
    /metrics from whichever qgis-server replica nginx picks, each counting its own
    requests (Prometheus scrapes each task there): only the local stack has one."""
    if not stack.is_local:
        pytest.skip("a deployment's replicas count their own requests; scrape each task instead")


def rises_to(stack, name: str, expected: float, **labels: str) -> bool:
    """Workers report after answering: wait (with a deadline) for the last events to land."""
    return wait_until(lambda: value(scrape(stack), name, **labels) >= expected, timeout_s=10, interval_s=0.1)


@pytest.mark.smoke
def test_metrics_are_prometheus_text(stack):
    response = requests.get(f"{stack.base_url}/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = parse(response.text)
    names = {name for name, _ in samples}
    for wanted in (
        "qgis_stack_workers",
        "qgis_stack_worker_restarts_total",
        "qgis_stack_watchdog_kills_total",
        "qgis_stack_postgis_up",
        "qgis_stack_request_duration_seconds_bucket",
    ):
        assert wanted in names


def test_requests_are_counted_exactly_by_project_service_request_and_code(stack, one_exporter):
    labels = {"project": stack.project, "service": "WMS", "request": "GetCapabilities", "code": "200"}
    histogram = {k: v for k, v in labels.items() if k != "code"}
    before = scrape(stack)
    for _ in range(SENT):
        assert ows_get(stack, {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetCapabilities"}).ok
    expected = value(before, REQUESTS, **labels) + SENT
    assert rises_to(stack, REQUESTS, expected, **labels)
    after = scrape(stack)
    assert value(after, REQUESTS, **labels) == expected
    assert value(after, DURATION_COUNT, **histogram) == value(before, DURATION_COUNT, **histogram) + SENT
    inf = value(after, "qgis_stack_request_duration_seconds_bucket", **histogram, le="+Inf")
    assert inf == value(after, DURATION_COUNT, **histogram)


def test_client_errors_count_under_their_status(stack, one_exporter):
    labels = {"project": stack.project, "service": "WMS", "request": "GetMap", "code": "400"}
    before = value(scrape(stack), REQUESTS, **labels)
    for _ in range(3):  # a GetMap without LAYERS, BBOX, CRS…: a client error
        assert ows_get(stack, {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap"}).status_code == 400
    assert rises_to(stack, REQUESTS, before + 3, **labels)
    assert value(scrape(stack), REQUESTS, **labels) == before + 3


def test_made_up_request_names_cannot_multiply_series(stack, one_exporter):
    """REQUEST comes from the client: unknown names share one series instead of one each."""
    labels = {"project": stack.project, "service": "WMS", "request": "other"}
    before = scrape(stack)
    other_before = sum(
        v for (name, lbl), v in before.items() if name == REQUESTS and labels.items() <= set(lbl)
    )
    for i in range(5):
        ows_get(stack, {"SERVICE": "wms", "REQUEST": f"MadeUp{i}"})

    def counted() -> float:
        samples = scrape(stack)
        return sum(v for (name, lbl), v in samples.items() if name == REQUESTS and labels.items() <= set(lbl))

    assert wait_until(lambda: counted() >= other_before + 5, timeout_s=10, interval_s=0.1)
    series = {lbl for name, lbl in scrape(stack) if name == REQUESTS}
    assert not any(("request", f"MadeUp{i}") in lbl for lbl in series for i in range(5))


def test_ogc_api_features_requests_are_counted(stack, one_exporter):
    labels = {"project": stack.project, "service": "WFS3", "request": "", "code": "200"}
    before = value(scrape(stack), REQUESTS, **labels)
    response = requests.get(f"{stack.ows_url()}/wfs3/collections.json", auth=stack.auth, timeout=30)
    assert response.status_code == 200
    assert rises_to(stack, REQUESTS, before + 1, **labels)


def test_workers_and_postgis_are_reported(stack):
    samples = scrape(stack)
    configured = value(samples, "qgis_stack_workers_configured")
    busy, idle = (
        value(samples, "qgis_stack_workers", state="busy"),
        value(samples, "qgis_stack_workers", state="idle"),
    )
    assert configured >= 1
    assert busy + idle == configured  # /metrics itself is answered by the exporter, not a worker
    assert value(samples, "qgis_stack_worker_starts_total") >= configured
    assert value(samples, "qgis_stack_postgis_up") == 1
