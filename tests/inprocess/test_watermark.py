"""stack_watermark: GetMap images get a corner mark in their own format; nothing else changes."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path
from typing import ClassVar

import harness
from harness import getmap_query, request
from qgis.PyQt.QtCore import QByteArray, QRect
from qgis.PyQt.QtGui import QColor, QImage

PNG_MAGIC, JPEG_MAGIC = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"


def image(body: bytes) -> QImage:
    decoded = QImage.fromData(QByteArray(body))
    assert not decoded.isNull(), body[:200]
    return decoded.convertToFormat(QImage.Format.Format_ARGB32)


def changed_pixels(before: QImage, after: QImage, region: QRect, tolerance: int = 0) -> tuple[int, int]:
    """(pixels that differ inside region, pixels that differ outside it)."""
    inside = outside = 0
    for y in range(before.height()):
        for x in range(before.width()):
            a, b = QColor(before.pixel(x, y)), QColor(after.pixel(x, y))
            diff = max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue()))
            diff = max(diff, abs(a.alpha() - b.alpha()))
            if diff > tolerance:
                if region.contains(x, y):
                    inside += 1
                else:
                    outside += 1
    return inside, outside


class WatermarkTestCase(harness.PluginTestCase):
    env: ClassVar[dict[str, str | None]] = {}

    @classmethod
    def set_up_plugins(cls) -> None:
        # Unmarked answers first, to compare with.
        cls.plain = {
            fmt: request(getmap_query("countries,places", fmt), cls.project)
            for fmt in ("image/png", "image/jpeg")
        }
        cls.plugin = cls.load("stack_watermark", **cls.env)

    def mark_box(self, width: int = 200, height: int = 100) -> QRect:
        marking = harness.plugin_module("stack_watermark.marking")
        box = marking.mark_box(
            QImage(width, height, QImage.Format.Format_ARGB32).size(), self.plugin.filter.stamp.size()
        )
        self.assertIsNotNone(box)
        return box


class TextWatermarkTest(WatermarkTestCase):
    env: ClassVar[dict[str, str | None]] = {
        "STACK_WATERMARK_TEXT": "© qgis-stack demo",
        "STACK_WATERMARK_IMAGE": None,
    }

    def test_png_stays_png_and_only_the_corner_box_changes(self) -> None:
        response = request(getmap_query("countries,places"), self.project)

        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("Content-Type"), "image/png")
        self.assertTrue(response.body.startswith(PNG_MAGIC))
        self.assertEqual(int(response.header("Content-Length")), len(response.body))
        inside, outside = changed_pixels(
            image(self.plain["image/png"].body), image(response.body), self.mark_box()
        )
        self.assertGreater(inside, 50, "the mark is visible")
        self.assertEqual(outside, 0, "nothing outside the corner box changed")

    def test_the_box_is_in_the_bottom_right_corner(self) -> None:
        box = self.mark_box()

        self.assertEqual((box.right(), box.bottom()), (200 - 1 - 4, 100 - 1 - 4))
        self.assertLessEqual(box.width(), 200)

    def test_jpeg_stays_jpeg(self) -> None:
        response = request(getmap_query("countries,places", "image/jpeg"), self.project)

        self.assertEqual(response.header("Content-Type"), "image/jpeg")
        self.assertTrue(response.body.startswith(JPEG_MAGIC))
        marked = image(response.body)
        self.assertEqual((marked.width(), marked.height()), (200, 100))
        # JPEG is lossy: allow re-encoding noise outside the box, but no mark there.
        inside, outside = changed_pixels(image(self.plain["image/jpeg"].body), marked, self.mark_box(), 24)
        self.assertGreater(inside, 50)
        self.assertEqual(outside, 0)

    def test_palette_png_stays_png_with_the_same_pixels_outside_the_box(self) -> None:
        # QGIS answers mode=8bit with a palette PNG; the marked one is a 32-bit PNG.
        query = getmap_query("countries", "image/png;%20mode=8bit")
        harness.remove_filters()
        plain = request(query, self.project)
        harness.iface().registerFilter(self.plugin.filter, 200)

        response = request(query, self.project)

        self.assertEqual(response.status, 200)
        self.assertTrue(response.body.startswith(PNG_MAGIC))
        inside, outside = changed_pixels(image(plain.body), image(response.body), self.mark_box())
        self.assertGreater(inside, 50)
        self.assertEqual(outside, 0)

    def test_an_image_too_small_for_the_mark_is_left_alone(self) -> None:
        query = getmap_query("countries", width=20, height=10)
        harness.remove_filters()
        plain = request(query, self.project)
        harness.iface().registerFilter(self.plugin.filter, 200)

        self.assertEqual(request(query, self.project).body, plain.body)

    def test_exceptions_are_left_alone(self) -> None:
        response = request(getmap_query("no_such_layer"), self.project)

        self.assertEqual(response.status, 400)
        self.assertIn(b"LayerNotDefined", response.body)

    def test_other_requests_are_left_alone(self) -> None:
        for query in (
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities",
            harness.getfeatureinfo_query("countries", 50, 50, "text/xml"),
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=countries&FORMAT=image/png",
        ):
            with self.subTest(query):
                harness.remove_filters()
                plain = request(query, self.project)
                harness.iface().registerFilter(self.plugin.filter, 200)

                self.assertEqual(request(query, self.project).body, plain.body)

    def test_other_formats_are_left_alone(self) -> None:
        for image_format in ("image/webp", "application/dxf"):
            with self.subTest(image_format):
                query = getmap_query("countries", image_format)
                harness.remove_filters()
                plain = request(query, self.project)
                harness.iface().registerFilter(self.plugin.filter, 200)

                marked = request(query, self.project)

                self.assertEqual(plain.status, 200)
                self.assertEqual(marked.header("Content-Type"), image_format)
                self.assertEqual(marked.body, plain.body)


class ImageWatermarkTest(WatermarkTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.mark_dir = tempfile.TemporaryDirectory()
        mark = QImage(24, 12, QImage.Format.Format_ARGB32)
        mark.fill(QColor("#ff00ff"))
        path = Path(cls.mark_dir.name) / "mark.png"
        mark.save(str(path))
        cls.env = {"STACK_WATERMARK_TEXT": "ignored when the image loads", "STACK_WATERMARK_IMAGE": str(path)}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.mark_dir.cleanup()

    def test_the_image_is_drawn_in_the_corner(self) -> None:
        marked = image(request(getmap_query("countries,places"), self.project).body)

        box = self.mark_box()
        self.assertEqual((box.width(), box.height()), (24, 12))
        self.assertEqual(QColor(marked.pixel(box.center())).name(), "#ff00ff")
        inside, outside = changed_pixels(image(self.plain["image/png"].body), marked, box)
        self.assertEqual(inside, 24 * 12)
        self.assertEqual(outside, 0)


class ConfigurationTest(unittest.TestCase):
    def setUp(self) -> None:
        harness.remove_filters()

    def tearDown(self) -> None:
        harness.remove_filters()

    def test_no_mark_configured_registers_nothing(self) -> None:
        plugin = harness.load_plugin("stack_watermark", STACK_WATERMARK_TEXT="", STACK_WATERMARK_IMAGE=None)

        self.assertIsNone(plugin.filter)
        self.assertEqual(dict(harness.iface().filters()), {})

    def test_an_unreadable_image_falls_back_to_the_text_and_says_so(self) -> None:
        with harness.qgis_log() as log:
            plugin = harness.load_plugin(
                "stack_watermark", STACK_WATERMARK_TEXT="fallback", STACK_WATERMARK_IMAGE="/nonexistent.png"
            )

        self.assertIsNotNone(plugin.filter)
        self.assertIn("STACK_WATERMARK_IMAGE=/nonexistent.png is not a readable image", log.text())

    def test_a_long_text_is_elided_to_the_size_limit(self) -> None:
        stamp = harness.plugin_module("stack_watermark.stamp")

        self.assertLessEqual(stamp.text_stamp("x" * 5000).width(), stamp.MAX_WIDTH)


if __name__ == "__main__":
    unittest.main()
