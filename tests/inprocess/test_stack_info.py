"""stack_info's STACKINFO service: projects served, PostGIS reachability (never hanging,
never making the worker unhealthy), plugins."""

from __future__ import annotations

import importlib.util
import json
import tempfile
import threading
import time
import unittest
from pathlib import Path
from unittest import mock

import harness
from qgis.core import QgsProject
from qgis.server import QgsBufferServerRequest, QgsBufferServerResponse, QgsServerRequest

HAS_STACK_INFO = importlib.util.find_spec("stack_info") is not None


def get_info(service: object) -> tuple[int, dict]:
    harness.server()  # QgsApplication and QGIS Server up
    request = QgsBufferServerRequest(
        "http://localhost/?SERVICE=STACKINFO&REQUEST=GetInfo", QgsServerRequest.GetMethod, {}
    )
    response = QgsBufferServerResponse()
    service.executeRequest(request, response, QgsProject())
    response.finish()  # a buffer response has a body once finished
    return response.statusCode(), json.loads(bytes(response.body()))


@unittest.skipUnless(HAS_STACK_INFO, "stack_info is not among the plugin folders under test")
class StackInfoTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.projects, self.demo, self.plugins = root / "projects", root / "demo", root / "plugins"
        for folder in (self.projects, self.demo, self.plugins):
            folder.mkdir()
        (self.projects / "roads.qgs").write_text("<qgis/>")
        (self.demo / "demo.qgs").write_text("<qgis/>")
        self.service_module = importlib.import_module("stack_info.service")

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def service(self, pg_service: str) -> object:
        return self.service_module.StackInfoService(
            str(self.plugins), pg_service, (str(self.projects), str(self.demo))
        )

    def test_reports_the_projects_nginx_can_serve(self) -> None:
        status, report = get_info(self.service(""))

        self.assertEqual(status, 200)
        self.assertEqual(
            report["projects"],
            {"demo": str(self.demo / "demo.qgs"), "roads": str(self.projects / "roads.qgs")},
        )
        self.assertEqual(report["postgis"], {"checked": False})
        self.assertIn("pid", report["worker"])

    def test_postgis_down_is_reported_and_the_worker_stays_healthy(self) -> None:
        # No pg_service.conf in this container (and no network): libpq fails at once.
        started = time.monotonic()
        status, report = get_info(self.service("qgis-stack"))

        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual((status, report["healthy"]), (200, True))
        self.assertEqual(report["postgis"]["service"], "qgis-stack")
        self.assertIs(report["postgis"]["reachable"], False)
        self.assertTrue(report["postgis"]["error"])

    def test_a_plugin_folder_that_did_not_load_makes_it_unhealthy(self) -> None:
        (self.plugins / "never_loaded").mkdir()
        (self.plugins / "never_loaded" / "__init__.py").write_text("")
        (self.plugins / "never_loaded" / "metadata.txt").write_text("[general]\nserver=True\n")

        status, report = get_info(self.service(""))

        self.assertEqual((status, report["healthy"]), (503, False))
        self.assertEqual(report["plugins"]["failed"], ["never_loaded"])


@unittest.skipUnless(HAS_STACK_INFO, "stack_info is not among the plugin folders under test")
class PostgisCheckTest(unittest.TestCase):
    def setUp(self) -> None:
        self.postgis = importlib.import_module("stack_info.postgis")
        self.release = threading.Event()

    def tearDown(self) -> None:
        self.release.set()
        self.postgis._stuck_probe = None

    def hang(self, service: str, timeout_s: float, result: dict) -> None:
        self.release.wait(30)

    def test_a_hanging_check_is_abandoned_in_time_and_not_doubled(self) -> None:
        with mock.patch.object(self.postgis, "_probe", self.hang):
            started = time.monotonic()
            first = self.postgis.check_postgis("qgis-stack", timeout_s=0.5)
            elapsed = time.monotonic() - started
            second = self.postgis.check_postgis("qgis-stack", timeout_s=0.5)

        self.assertLess(elapsed, 2)
        self.assertEqual((first["reachable"], first["error"]), (False, "no answer within 0.5 s"))
        self.assertEqual(second["error"], "an earlier check hangs")

    def test_an_empty_service_is_not_checked(self) -> None:
        self.assertEqual(self.postgis.check_postgis(""), {"checked": False})


if __name__ == "__main__":
    unittest.main()
