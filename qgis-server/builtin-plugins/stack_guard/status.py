"""Client mistakes QGIS answers with a 5xx, and the 4xx they deserve: plain logic.

Monitoring counts a 5xx as the server's fault. QGIS answers a REQUEST it does not have with
501 OperationNotSupported (every service), and an OGC API item that does not exist with
500 "Invalid feature [id]" (3.22 to 3.44).
"""

from __future__ import annotations

import re

ITEM_PATH = re.compile(r"/collections/[^/]+/items/[^/]+/?$")


def corrected_status(status: int, path: str, body: bytes) -> int | None:
    """The status the response should have had, or None to leave it."""
    if status == 501:
        return 400
    if status == 500 and ITEM_PATH.search(path) and b"Invalid feature" in body:
        return 404
    return None
