"""stack_featureinfo: a default FI_POINT_TOLERANCE, and layer titles in JSON answers,
streamed or not."""

from __future__ import annotations

import json
import unittest

import harness
from harness import getfeatureinfo_query, request
from qgis.server import QgsServerFilter, QgsServerInterface, QgsServerRequest, QgsServerResponse, QgsService

# Midtown is at (5, 5): pixel (50, 50). 5 pixels off, it is found only with a tolerance.
NEAR_MIDTOWN = (55, 50)
STREAM_SERVICE = "STACKTESTSTREAM"


class ParameterRecorder(QgsServerFilter):
    """Runs after the plugin and notes the parameters the service got."""

    def __init__(self, server_iface: QgsServerInterface) -> None:
        super().__init__(server_iface)
        self.parameters: dict[str, str] = {}

    def responseComplete(self) -> None:  # noqa: N802
        self.parameters = dict(self.serverInterface().requestHandler().parameterMap())


class FeatureInfoTest(harness.PluginTestCase):
    @classmethod
    def set_up_plugins(cls) -> None:
        cls.load("stack_featureinfo", STACK_FI_POINT_TOLERANCE=None)
        cls.recorder = cls.add_filter(ParameterRecorder(harness.iface()), 900)

    def test_the_default_tolerance_is_added_when_the_client_sent_none(self) -> None:
        request(getfeatureinfo_query("places", *NEAR_MIDTOWN, "text/xml"), self.project)

        self.assertEqual(self.recorder.parameters.get("FI_POINT_TOLERANCE"), "8")

    def test_the_clients_tolerance_wins_whatever_its_case(self) -> None:
        for extra in ("&FI_POINT_TOLERANCE=2", "&fi_point_tolerance=2"):
            with self.subTest(extra):
                request(getfeatureinfo_query("places", *NEAR_MIDTOWN, "text/xml", extra), self.project)

                self.assertEqual(self.recorder.parameters.get("FI_POINT_TOLERANCE"), "2")

    def test_the_default_tolerance_finds_a_point_near_the_click(self) -> None:
        found = request(
            getfeatureinfo_query("places", *NEAR_MIDTOWN, "application/json"), self.project
        ).json()
        missed = request(
            getfeatureinfo_query("places", *NEAR_MIDTOWN, "application/json", "&FI_POINT_TOLERANCE=1"),
            self.project,
        ).json()

        self.assertEqual([f["properties"]["name"] for f in found["features"]], ["Midtown"])
        self.assertEqual(missed["features"], [])

    def test_other_requests_get_no_tolerance(self) -> None:
        request(harness.getmap_query("places"), self.project)

        self.assertNotIn("FI_POINT_TOLERANCE", self.recorder.parameters)

    def test_json_features_get_their_layer_title(self) -> None:
        response = request(getfeatureinfo_query("places,countries", 50, 50, "application/json"), self.project)

        self.assertEqual(response.status, 200)
        self.assertEqual(int(response.header("Content-Length")), len(response.body))
        titles = {
            f["id"].split(".")[0]: f["properties"]["stack:layer_title"] for f in response.json()["features"]
        }
        self.assertEqual(titles, {"places": "Populated places", "countries": "Countries"})

    def test_other_info_formats_are_left_alone(self) -> None:
        for info_format in ("text/xml", "text/html", "text/plain", "application/vnd.ogc.gml"):
            with self.subTest(info_format):
                response = request(getfeatureinfo_query("places", 50, 50, info_format), self.project)

                self.assertEqual(response.status, 200)
                self.assertNotIn(b"stack:layer_title", response.body)

    def test_json_exceptions_are_left_alone(self) -> None:
        response = request(getfeatureinfo_query("no_such_layer", 50, 50, "application/json"), self.project)

        self.assertEqual(response.status, 400)
        self.assertIn(b"LayerNotDefined", response.body)


class ChunkedJsonService(QgsService):
    """Answers like a JSON GetFeatureInfo, in three flushed pieces, as a streaming service
    would; QGIS calls the filters' sendResponse before each flush."""

    def name(self) -> str:
        return STREAM_SERVICE

    def version(self) -> str:
        return "1.0.0"

    def executeRequest(  # noqa: N802
        self, request: QgsServerRequest, response: QgsServerResponse, project: object
    ) -> None:
        response.setHeader("Content-Type", "application/json; charset=utf-8")
        pieces = [
            b'{"type":"FeatureCollection","features":[',
            b'{"type":"Feature","id":"places.2","geometry":null,"properties":{"name":"Midtown"}},',
            b'{"type":"Feature","id":"countries.1","geometry":null,"properties":{"name":"Alphaland"}}]}',
        ]
        for piece in pieces[:-1]:
            response.write(piece)
            response.flush()
        response.write(pieces[-1])


class RouteToStreamingService(QgsServerFilter):
    """After the plugin has seen a JSON GetFeatureInfo, hand the request to the service above."""

    def requestReady(self) -> None:  # noqa: N802
        handler = self.serverInterface().requestHandler()
        if handler.parameter("STACK_TEST_STREAM"):
            handler.setParameter("SERVICE", STREAM_SERVICE)


class FlushCounter(QgsServerFilter):
    """Proves the answer really was streamed: sendResponse runs once per flush."""

    def __init__(self, server_iface: QgsServerInterface) -> None:
        super().__init__(server_iface)
        self.flushes = 0

    def requestReady(self) -> None:  # noqa: N802
        self.flushes = 0

    def sendResponse(self) -> None:  # noqa: N802
        self.flushes += 1


class StreamedFeatureInfoTest(harness.PluginTestCase):
    @classmethod
    def set_up_plugins(cls) -> None:
        cls.load("stack_featureinfo", STACK_FI_POINT_TOLERANCE="0")
        cls.add_filter(RouteToStreamingService(harness.iface()), 150)  # after the plugin's requestReady (100)
        cls.service = ChunkedJsonService()
        harness.iface().serviceRegistry().registerService(cls.service)
        cls.flush_counter = cls.add_filter(FlushCounter(harness.iface()), 50)

    def test_a_streamed_json_answer_is_rewritten_whole(self) -> None:
        query = getfeatureinfo_query("places", 50, 50, "application/json", "&STACK_TEST_STREAM=1")

        response = request(query, self.project)

        self.assertEqual(response.status, 200, response.text)
        self.assertEqual(self.flush_counter.flushes, 2)
        document = json.loads(response.body)  # one valid document, nothing lost or doubled
        self.assertEqual(
            [(f["properties"]["name"], f["properties"]["stack:layer_title"]) for f in document["features"]],
            [("Midtown", "Populated places"), ("Alphaland", "Countries")],
        )

    def test_a_streamed_answer_of_another_format_streams_through(self) -> None:
        query = getfeatureinfo_query("places", 50, 50, "text/xml", "&STACK_TEST_STREAM=1")

        response = request(query, self.project)

        self.assertNotIn(b"stack:layer_title", response.body)
        self.assertEqual(json.loads(response.body)["features"][0]["id"], "places.2")

    def test_zero_disables_the_default_tolerance(self) -> None:
        recorder = ParameterRecorder(harness.iface())
        harness.iface().registerFilter(recorder, 900)

        request(getfeatureinfo_query("places", *NEAR_MIDTOWN, "text/xml"), self.project)

        self.assertNotIn("FI_POINT_TOLERANCE", recorder.parameters)


class EnrichTest(unittest.TestCase):
    def test_the_longest_layer_name_that_prefixes_the_id_wins(self) -> None:
        enrich = harness.plugin_module("stack_featureinfo.enrich")
        body = b'{"features":[{"id":"roads.main.7","properties":{}},{"id":"roads.3","properties":null}]}'

        rewritten = json.loads(enrich.add_layer_titles(body, {"roads": "Roads", "roads.main": "Main roads"}))

        self.assertEqual(
            [f["properties"]["stack:layer_title"] for f in rewritten["features"]], ["Main roads", "Roads"]
        )

    def test_anything_but_a_feature_collection_is_not_rewritten(self) -> None:
        enrich = harness.plugin_module("stack_featureinfo.enrich")

        for body in (b"not json", b"[1, 2]", b'{"features": 3}', b"\xff\xfe"):
            with self.subTest(body):
                self.assertIsNone(enrich.add_layer_titles(body, {"a": "A"}))


if __name__ == "__main__":
    unittest.main()
