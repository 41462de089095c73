"""A filter that raises: the client gets a clean OGC exception (no traceback), the log gets
the traceback, and the worker serves the next request. Uses fixtures/broken_plugin."""

from __future__ import annotations

import json
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET
from unittest import mock

import harness
from harness import getfeatureinfo_query, getmap_query, request
from qgis.core import Qgis

OGC = "{http://www.opengis.net/ogc}"
REQUEST_ID = {"X-Request-Id": "req-42"}
WFS_GETFEATURE = "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=places"
# Observed with QGIS 3.44 on Debian's Python 3.14: an exception escaping a plain
# QgsServerFilter hook ends the process (SIGSEGV or SIGABRT) instead of a 500.
UNGUARDED_RAISE_KILLS = Qgis.QGIS_VERSION_INT >= 34400


class FailureIsolationTest(harness.PluginTestCase):
    @classmethod
    def set_up_plugins(cls) -> None:
        cls.load("stack_request_log")
        cls.load("stack_featureinfo", STACK_FI_POINT_TOLERANCE=None)
        cls.load("stack_watermark", STACK_WATERMARK_TEXT="mark", STACK_WATERMARK_IMAGE=None)
        cls.load("broken_plugin")

    def assert_clean_ogc_exception(self, response: harness.Response, plugin: str) -> None:
        self.assertEqual(response.status, 500, response.text)
        self.assertTrue(response.header("Content-Type").startswith("text/xml"), response.headers)
        root = ET.fromstring(response.body)  # the whole body is one XML document
        self.assertEqual(root.tag, f"{OGC}ServiceExceptionReport")
        exception = root.find(f"{OGC}ServiceException")
        self.assertEqual(exception.get("code"), "StackPluginError")
        self.assertIn(f"The server plugin {plugin} failed on this request", exception.text)
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn("RuntimeError", response.text)

    def assert_worker_still_serves(self) -> None:
        response = request(getmap_query("countries"), self.project)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("Content-Type"), "image/png")

    # --- a guarded filter --------------------------------------------------------------

    def test_raising_in_request_ready_gives_an_ogc_exception_and_logs_the_traceback(self) -> None:
        with harness.qgis_log() as log:
            response = request(
                getmap_query("countries") + "&STACK_TEST_RAISE=requestReady", self.project, REQUEST_ID
            )

        self.assert_clean_ogc_exception(response, "broken_plugin")
        self.assertIn("(request id req-42)", response.text)
        logged = log.text("broken_plugin")
        self.assertIn("requestReady failed:\nTraceback (most recent call last):", logged)
        self.assertIn("RuntimeError: broken on purpose in requestReady", logged)
        self.assert_worker_still_serves()

    def test_raising_in_response_complete_replaces_the_map(self) -> None:
        response = request(getmap_query("countries") + "&STACK_TEST_RAISE=responseComplete", self.project)

        self.assert_clean_ogc_exception(response, "broken_plugin")
        self.assert_worker_still_serves()

    def test_raising_while_streaming_sends_the_report_alone(self) -> None:
        response = request(WFS_GETFEATURE + "&STACK_TEST_RAISE=sendResponse", self.project)

        self.assert_clean_ogc_exception(response, "broken_plugin")  # no GML after the report
        streamed = request(WFS_GETFEATURE, self.project)
        self.assertEqual(streamed.status, 200)
        self.assertIn(b"<gml:featureMember", streamed.body)

    def test_a_filter_without_a_send_hook_failing_first_stops_a_streamed_answer(self) -> None:
        # The watermark filter has no send hook (GuardedFilter): nothing drops streamed
        # pieces for it, so QGIS itself must not run the WFS after requestReady reported.
        with mock.patch(
            "stack_watermark.watermark_filter.WatermarkFilter.on_request_ready", side_effect=RuntimeError("x")
        ):
            response = request(WFS_GETFEATURE, self.project)

        self.assert_clean_ogc_exception(response, "stack_watermark")
        self.assertNotIn(b"featureMember", response.body)

    def test_the_failed_request_is_still_logged(self) -> None:
        with harness.stderr_lines() as lines:
            request(getmap_query("countries") + "&STACK_TEST_RAISE=requestReady", self.project, REQUEST_ID)

        records = [json.loads(line) for line in lines if line.startswith('{"time"')]
        self.assertEqual(len(records), 1, lines)
        self.assertEqual(records[0]["status"], 500)
        self.assertEqual(records[0]["request_id"], "req-42")

    def test_after_a_failed_request_ready_the_service_does_not_run(self) -> None:
        observations = self.project.mapLayersByName("observations")[0]
        before = observations.featureCount()

        response = request(
            "SERVICE=WFS&VERSION=1.0.0&REQUEST=Transaction&STACK_TEST_RAISE=requestReady",
            self.project,
            None,
            harness.wfs_insert_point("observations", 1, 1, "must not be inserted"),
        )

        self.assert_clean_ogc_exception(response, "broken_plugin")
        self.assertEqual(observations.featureCount(), before)

    # --- a plain QgsServerFilter, for comparison ----------------------------------------
    # In a child process: on QGIS 3.44 (Python 3.14) the raise kills the process, which is
    # what a third-party plugin without the kit's guard does to a worker there.

    def unguarded(self, hook: str, kind: str = "getmap") -> subprocess.CompletedProcess[str]:
        script = harness.FIXTURES / "unguarded_request.py"
        return subprocess.run(
            [sys.executable, str(script), hook, kind],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def outcome(self, child: subprocess.CompletedProcess[str]) -> dict[str, object]:
        lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
        self.assertEqual(len(lines), 1, f"exit {child.returncode}\n{child.stdout}\n{child.stderr[-2000:]}")
        return json.loads(lines[0])

    @unittest.skipIf(UNGUARDED_RAISE_KILLS, "QGIS 3.44 dies instead (see the test below)")
    def test_unguarded_raise_in_request_ready_still_runs_the_service(self) -> None:
        # QGIS answers 500 but goes on with the request: the WFS-T insert happens anyway.
        answer = self.outcome(self.unguarded("requestReady", "wfs-insert"))

        self.assertEqual(answer["status"], 500)
        self.assertEqual(answer["inserted"], 1)

    @unittest.skipIf(UNGUARDED_RAISE_KILLS, "QGIS 3.44 dies instead (see the test below)")
    def test_unguarded_raise_gives_qgis_bare_500_and_the_worker_survives(self) -> None:
        # What QGIS does on its own: not an OGC exception, and no traceback anywhere.
        for hook in ("requestReady", "responseComplete"):
            with self.subTest(hook):
                answer = self.outcome(self.unguarded(hook))

                self.assertEqual(answer["status"], 500)
                self.assertEqual(answer["body"], "Internal Server Error")
                self.assertEqual((answer["next_status"], answer["next_type"]), (200, "image/png"))

    @unittest.skipUnless(UNGUARDED_RAISE_KILLS, "QGIS before 3.44 answers 500 and lives (see above)")
    def test_unguarded_raise_kills_the_process_on_qgis_3_44(self) -> None:
        # Why every stack filter goes through the kit's guard: here a plain filter that
        # raises takes the worker down with the request (multiwatch starts another, which
        # loads the projects again), and nginx answers 502.
        for hook in ("requestReady", "responseComplete"):
            with self.subTest(hook):
                child = self.unguarded(hook)

                self.assertLess(child.returncode, 0, f"not killed by a signal:\n{child.stdout}")
                self.assertIn(f"broken on purpose in {hook}", child.stderr)
                self.assertNotIn('"status"', child.stdout)

    # --- each stack filter is guarded ---------------------------------------------------

    def test_a_failing_watermark_gives_an_ogc_exception(self) -> None:
        with mock.patch("stack_watermark.watermark_filter.mark_encoded", side_effect=ValueError("bad image")):
            response = request(getmap_query("countries"), self.project)

        self.assert_clean_ogc_exception(response, "stack_watermark")
        self.assert_worker_still_serves()

    def test_a_failing_featureinfo_enrichment_gives_an_ogc_exception(self) -> None:
        query = getfeatureinfo_query("places", 50, 50, "application/json")
        with mock.patch("stack_featureinfo.featureinfo_filter.add_layer_titles", side_effect=KeyError("x")):
            response = request(query, self.project)

        self.assert_clean_ogc_exception(response, "stack_featureinfo")
        self.assertEqual(request(query, self.project).status, 200)

    def test_a_failing_request_log_costs_the_client_nothing(self) -> None:
        with (
            mock.patch("stack_request_log.log_filters.request_record", side_effect=TypeError("oops")),
            harness.qgis_log() as log,
        ):
            response = request(getmap_query("countries"), self.project)

        self.assertEqual(response.status, 200)
        self.assertIn("TypeError: oops", log.text("stack_request_log"))


class StreamHookTest(unittest.TestCase):
    """Only a GuardedStreamFilter gets a send hook: QGIS calls into Python at every flush of
    a streamed answer for a filter that has one."""

    def test_a_plain_guarded_filter_has_no_send_hook(self) -> None:
        from qgis.server import QgsServerFilter
        from stack_plugin_kit.safe_filter import GuardedFilter, GuardedStreamFilter

        # QGIS calls Python for a hook only when a Python class overrides QgsServerFilter's.
        def python_hooks(cls: type) -> set[str]:
            mro = cls.__mro__[: cls.__mro__.index(QgsServerFilter)]
            return {name for c in mro for name in vars(c) if name in ("onSendResponse", "sendResponse")}

        self.assertEqual(python_hooks(GuardedFilter), set())
        self.assertEqual(python_hooks(GuardedStreamFilter), {"onSendResponse", "sendResponse"})

    def test_on_send_response_outside_a_stream_filter_is_refused(self) -> None:
        from stack_plugin_kit.safe_filter import GuardedFilter, GuardedStreamFilter

        class Misplaced(GuardedFilter):
            def on_send_response(self) -> None:
                pass

        class Streaming(GuardedStreamFilter):
            def on_send_response(self) -> None:
                pass

        with self.assertRaisesRegex(TypeError, "subclass GuardedStreamFilter"):
            Misplaced(harness.iface())
        self.assertTrue(hasattr(Streaming(harness.iface()), "onSendResponse"))


if __name__ == "__main__":
    unittest.main()
