"""stack_watermark through nginx: with STACK_WATERMARK_TEXT set, GetMap images carry the mark
in their bottom-right corner, keep their format, and nothing else changes.

The mark is off by default (golden images stay valid), so this module restarts qgis-server
with a mark and restarts it again without one afterwards.
"""

from collections.abc import Iterator

import pytest
from PIL import Image, ImageChops

from stack.core.waiting import wait_until
from stack.deploy.compose import compose
from stack.deploy.health import healthy
from stack.harness.handle import StackHandle
from stack.harness.images import open_image
from stack.harness.ows import ows_get, service_exception

pytestmark = [pytest.mark.docker, pytest.mark.destructive]

GETMAP = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetMap",
    "LAYERS": "ocean,countries",
    "STYLES": "",
    "CRS": "EPSG:4326",
    "BBOX": "-90,-180,90,180",
    "WIDTH": "400",
    "HEIGHT": "200",
}
FORMATS = ("image/png", "image/jpeg")
# The mark sits in the bottom-right corner; it is smaller than this part of the image.
CORNER = (200, 150)  # left and top of the corner region, in pixels


def getmap(stack: StackHandle, fmt: str) -> bytes:
    response = ows_get(stack, {**GETMAP, "FORMAT": fmt})
    assert response.status_code == 200, response.text[:300]
    return response.content


def restart_qgis_server(stack: StackHandle) -> None:
    assert stack.settings is not None
    compose(stack.settings, "up", "--detach", "--wait", "qgis-server")
    assert wait_until(lambda: healthy(stack.base_url), timeout_s=60)


@pytest.fixture(scope="module")
def unmarked(stack: StackHandle) -> dict[str, bytes]:
    return {fmt: getmap(stack, fmt) for fmt in FORMATS}


@pytest.fixture(scope="module")
def marked(stack: StackHandle, unmarked: dict[str, bytes]) -> Iterator[dict[str, bytes]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STACK_WATERMARK_TEXT", "qgis-stack test")
        restart_qgis_server(stack)
        yield {fmt: getmap(stack, fmt) for fmt in FORMATS}
    restart_qgis_server(stack)


def changed_box(before: bytes, after: bytes) -> tuple[int, int, int, int] | None:
    difference = ImageChops.difference(open_image(before).convert("RGB"), open_image(after).convert("RGB"))
    return difference.getbbox()


def test_a_png_stays_a_png_and_only_its_corner_changes(
    marked: dict[str, bytes], unmarked: dict[str, bytes]
) -> None:
    image = open_image(marked["image/png"])
    box = changed_box(unmarked["image/png"], marked["image/png"])

    assert image.format == "PNG"
    assert image.size == (400, 200)
    assert box is not None, "no mark was drawn"
    left, top, _, _ = box
    assert left >= CORNER[0] and top >= CORNER[1], f"pixels outside the corner changed: {box}"


def test_a_jpeg_stays_a_jpeg_with_the_mark_in_its_corner(
    marked: dict[str, bytes], unmarked: dict[str, bytes]
) -> None:
    before, after = open_image(unmarked["image/jpeg"]), open_image(marked["image/jpeg"])

    assert after.format == "JPEG"
    assert after.size == (400, 200)
    corner = (CORNER[0], CORNER[1], 400, 200)
    elsewhere = (0, 0, 400, CORNER[1])
    # Re-encoding a JPEG shifts pixels slightly everywhere: compare how much, not whether.
    assert mean_difference(before, after, corner) > 4 * mean_difference(before, after, elsewhere) + 1


def mean_difference(before: Image.Image, after: Image.Image, box: tuple[int, int, int, int]) -> float:
    difference = ImageChops.difference(before.convert("L").crop(box), after.convert("L").crop(box))
    histogram = difference.histogram()
    return sum(value * count for value, count in enumerate(histogram)) / max(1, sum(histogram))


def test_exceptions_and_other_requests_are_left_alone(stack: StackHandle, marked: dict[str, bytes]) -> None:
    refused = ows_get(stack, {**GETMAP, "FORMAT": "image/png", "LAYERS": "no_such_layer"})
    capabilities = ows_get(stack, {"SERVICE": "WMS", "REQUEST": "GetCapabilities"})

    exception = service_exception(refused.content)
    assert exception is not None and exception.code == "LayerNotDefined"
    assert capabilities.headers["Content-Type"].startswith("text/xml")
    assert b"<WMS_Capabilities" in capabilities.content
