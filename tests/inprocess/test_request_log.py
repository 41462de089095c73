"""stack_request_log: one JSON line per request on stderr, with timing and status."""

from __future__ import annotations

import json
import os
import time
import unittest

import harness
from harness import getmap_query, request
from qgis.server import QgsServerFilter


def records(lines: list[str]) -> list[dict[str, object]]:
    """The request-log lines among whatever else went to stderr (QGIS's own log)."""
    return [json.loads(line) for line in lines if line.startswith('{"time"')]


class SlowFilter(QgsServerFilter):
    """Another plugin taking its time: the log's duration must include it."""

    def responseComplete(self) -> None:  # noqa: N802
        if self.serverInterface().requestHandler().parameter("STACK_TEST_SLOW"):
            time.sleep(0.2)


class RequestLogTest(harness.PluginTestCase):
    @classmethod
    def set_up_plugins(cls) -> None:
        cls.load("stack_request_log")
        cls.slow = cls.add_filter(SlowFilter(harness.iface()), 500)

    def test_a_request_is_one_json_line(self) -> None:
        headers = {"X-Request-Id": "abc123", "X-Qgis-Stack-Role": "editor"}
        with harness.stderr_lines() as lines:
            request(getmap_query("countries,places"), self.project, headers)

        (record,) = records(lines)
        self.assertEqual(record["request_id"], "abc123")
        self.assertEqual(record["role"], "editor")
        self.assertEqual((record["service"], record["request"]), ("WMS", "GetMap"))
        self.assertEqual(record["layers"], ["countries", "places"])
        self.assertEqual(record["status"], 200)
        self.assertEqual(record["pid"], os.getpid())
        self.assertIsInstance(record["duration_ms"], float)
        self.assertTrue(record["time"].endswith("+00:00"))

    def test_the_duration_covers_the_other_filters(self) -> None:
        with harness.stderr_lines() as lines:
            request(getmap_query("countries") + "&STACK_TEST_SLOW=1", self.project)

        self.assertGreaterEqual(records(lines)[0]["duration_ms"], 200)

    def test_errors_are_logged_with_their_status(self) -> None:
        with harness.stderr_lines() as lines:
            request(getmap_query("no_such_layer"), self.project)

        (record,) = records(lines)
        self.assertEqual(record["status"], 400)
        self.assertIsNone(record["request_id"])

    def test_a_streamed_answer_is_one_line_too(self) -> None:
        with harness.stderr_lines() as lines:
            response = request(
                "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=places,countries", self.project
            )

        self.assertEqual(response.status, 200)
        (record,) = records(lines)
        self.assertEqual(record["layers"], ["places", "countries"])

    def test_under_fastcgi_the_request_id_comes_from_the_request_environment(self) -> None:
        os.environ["HTTP_X_REQUEST_ID"] = "from-nginx"
        try:
            with harness.stderr_lines() as lines:
                request("SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities", self.project)
        finally:
            del os.environ["HTTP_X_REQUEST_ID"]

        self.assertEqual(records(lines)[0]["request_id"], "from-nginx")

    def test_a_line_stays_one_short_line_whatever_the_client_sends(self) -> None:
        layers = ",".join(f"layer{i}" for i in range(500))
        with harness.stderr_lines() as lines:
            request(getmap_query(layers), self.project, {"X-Request-Id": "a\nb" + "x" * 5000})

        (record,) = records(lines)
        self.assertEqual(len(record["layers"]), 50)
        self.assertEqual(record["request_id"], ("a\nb" + "x" * 5000)[:200])
        self.assertLess(max(len(line) for line in lines if line.startswith('{"time"')), 4096)


if __name__ == "__main__":
    unittest.main()
