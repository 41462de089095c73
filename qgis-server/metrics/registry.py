"""Counters and a histogram fed by worker events, written in Prometheus' text format 0.0.4.

Names follow Prometheus' naming practice (https://prometheus.io/docs/practices/naming/):
one `qgis_stack_` prefix, base units (`_seconds`), `_total` on counters, `code` for the HTTP
status as client_golang's promhttp does, and `<x>_up` for a reachability gauge as
postgres_exporter's `pg_up`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from labels import code_label, project_label, request_label, service_label

# Seconds; QGIS answers GetCapabilities in milliseconds and GetPrint in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

Labels = tuple[tuple[str, str], ...]


@dataclass
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: int = 0
    sum: float = 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(BUCKETS):
            if value <= bound:
                self.counts[i] += 1
        self.total += 1
        self.sum += value


@dataclass
class Registry:
    workers_configured: int
    requests: dict[Labels, int] = field(default_factory=dict)
    durations: dict[Labels, Histogram] = field(default_factory=dict)
    worker_starts: int = 0
    watchdog_kills: int = 0
    invalid_events: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, event: object) -> None:
        """Count one event from a worker (stack_guard) or the watchdog."""
        with self.lock:
            if not isinstance(event, dict):
                self.invalid_events += 1
            elif event.get("event") == "request":
                self._record_request(event)
            elif event.get("event") == "worker_start":
                self.worker_starts += 1
            elif event.get("event") == "watchdog_kill":
                self.watchdog_kills += 1
            else:
                self.invalid_events += 1

    def _record_request(self, event: dict[str, object]) -> None:
        base = (
            ("project", project_label(event.get("project"))),
            ("service", service_label(event.get("service"))),
            ("request", request_label(event.get("request"))),
        )
        counted = (*base, ("code", code_label(event.get("status"))))
        self.requests[counted] = self.requests.get(counted, 0) + 1
        duration = event.get("duration_s")
        if isinstance(duration, int | float) and duration >= 0:
            self.durations.setdefault(base, Histogram()).observe(float(duration))

    def render(self, busy: int, running: int, postgis_up: bool, postgis_seconds: float) -> str:
        with self.lock:
            lines = [
                *_family("qgis_stack_requests_total", "counter", "Requests answered by QGIS Server workers."),
                *(f"qgis_stack_requests_total{_labels(k)} {v}" for k, v in sorted(self.requests.items())),
                *_histogram_lines(self.durations),
                *_family("qgis_stack_workers", "gauge", "QGIS Server worker processes by state."),
                f'qgis_stack_workers{{state="busy"}} {busy}',
                f'qgis_stack_workers{{state="idle"}} {max(0, running - busy)}',
                *_family("qgis_stack_workers_configured", "gauge", "Workers multiwatch keeps running."),
                f"qgis_stack_workers_configured {self.workers_configured}",
                *_family("qgis_stack_worker_starts_total", "counter", "Worker processes started."),
                f"qgis_stack_worker_starts_total {self.worker_starts}",
                *_family("qgis_stack_worker_restarts_total", "counter", "Workers started to replace one."),
                f"qgis_stack_worker_restarts_total {max(0, self.worker_starts - self.workers_configured)}",
                *_family("qgis_stack_watchdog_kills_total", "counter", "Workers the watchdog killed."),
                f"qgis_stack_watchdog_kills_total {self.watchdog_kills}",
                *_family("qgis_stack_postgis_up", "gauge", "1 if PostGIS answered SELECT 1, else 0."),
                f"qgis_stack_postgis_up {int(postgis_up)}",
                *_family("qgis_stack_postgis_probe_duration_seconds", "gauge", "How long the probe took."),
                f"qgis_stack_postgis_probe_duration_seconds {postgis_seconds:.6f}",
                *_family("qgis_stack_metrics_invalid_events_total", "counter", "Events not understood."),
                f"qgis_stack_metrics_invalid_events_total {self.invalid_events}",
            ]
        return "\n".join(lines) + "\n"


def _family(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _labels(labels: Iterable[tuple[str, str]]) -> str:
    text = ",".join(f'{key}="{_escape(value)}"' for key, value in labels)
    return "{" + text + "}" if text else ""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _histogram_lines(durations: dict[Labels, Histogram]) -> list[str]:
    name = "qgis_stack_request_duration_seconds"
    lines = _family(name, "histogram", "Time QGIS Server workers spent on requests.")
    for key, histogram in sorted(durations.items()):
        for bound, count in zip(BUCKETS, histogram.counts, strict=True):
            lines.append(f"{name}_bucket{_labels((*key, ('le', f'{bound:g}')))} {count}")
        lines.append(f"{name}_bucket{_labels((*key, ('le', '+Inf')))} {histogram.total}")
        lines.append(f"{name}_sum{_labels(key)} {histogram.sum:.6f}")
        lines.append(f"{name}_count{_labels(key)} {histogram.total}")
    return lines
