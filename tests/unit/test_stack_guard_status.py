"""Which QGIS 5xx answers are client mistakes, and what they become."""

import sys

import pytest

from stack.security.refusals import TABLE_PATH

sys.path.insert(0, str(TABLE_PATH.parents[1]))
from stack_guard.status import corrected_status


@pytest.mark.parametrize(
    ("status", "path", "body", "corrected"),
    [
        (501, "/ows/demo", b"OperationNotSupported", 400),
        (
            500,
            "/ows/demo/wfs3/collections/places/items/999",
            b'[{"description":"Invalid feature [999]"}]',
            404,
        ),
        (500, "/ows/demo/wfs3/collections/places/items", b"Invalid feature", None),  # not an item
        (500, "/ows/demo", b"PostGIS is down", None),  # the server's fault stays a 500
        (200, "/ows/demo", b"", None),
    ],
)
def test_corrected_status(status: int, path: str, body: bytes, corrected: int | None) -> None:
    assert corrected_status(status, path, body) == corrected
