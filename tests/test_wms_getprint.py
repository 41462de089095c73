"""WMS GetPrint (a QGIS extension): the demo's `world` layout, A4 landscape, as a PDF."""

import re
from urllib.parse import urlencode

import pytest
import requests

from stack.harness.handle import StackHandle

A4_LANDSCAPE_PT = (842, 595)  # 297 x 210 mm at 72 points an inch


@pytest.fixture(scope="module")
def world_pdf(stack: StackHandle) -> requests.Response:
    params = {
        "SERVICE": "WMS",
        "VERSION": "1.3.0",
        "REQUEST": "GetPrint",
        "TEMPLATE": "world",
        "FORMAT": "pdf",
        "CRS": "EPSG:4326",
        "map0:EXTENT": "-90,-180,90,180",  # WMS 1.3.0: latitude first for EPSG:4326
        "map0:LAYERS": "ocean,countries",  # two layers keep the vector PDF small (~2 MB)
    }
    # Raw GET: OWSLib does not know GetPrint. The ':' of map0:EXTENT stays as it is: nginx
    # refuses percent-encoded parameter names, and requests would send map0%3AEXTENT.
    return stack.get(f"{stack.ows_url()}?{urlencode(params, safe=':,')}")


def test_getprint_answers_with_a_pdf(world_pdf: requests.Response) -> None:
    assert world_pdf.status_code == 200, world_pdf.text[:300]
    assert world_pdf.headers["Content-Type"] == "application/pdf"
    assert world_pdf.content.startswith(b"%PDF-")
    assert world_pdf.content.rstrip().endswith(b"%%EOF")


def test_the_pdf_holds_a_drawn_map(world_pdf: requests.Response) -> None:
    # An empty A4 page is a few kilobytes; the vector world map is megabytes.
    assert len(world_pdf.content) > 200_000


def test_the_pdf_is_one_a4_landscape_page(world_pdf: requests.Response) -> None:
    # Qt writes the page tree uncompressed, so a regex reads it without a PDF library. QGIS
    # then appends the georeference as an incremental update that repeats the page object:
    # the page count is the last /Count, not the number of /Type /Page.
    counts = re.findall(rb"/Count\s+(\d+)", world_pdf.content)
    media_boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", world_pdf.content)

    assert counts, "no page tree found"
    assert int(counts[-1]) == 1
    assert {(round(float(w)), round(float(h))) for w, h in media_boxes} == {A4_LANDSCAPE_PT}
