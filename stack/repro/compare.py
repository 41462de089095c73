"""What differs between two versions' answers to one request: canonical text diffs for XML
and JSON, pixel statistics and a difference image for images."""

from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass

from lxml import etree
from PIL import Image, ImageOps

from stack.harness.images import difference_image, image_difference

# Parts of an answer that differ on every run or by version string alone, not by behaviour.
VOLATILE = [
    (re.compile(r'timeStamp="[^"]*"'), 'timeStamp="…"'),
    (re.compile(r"QGIS version \d+\.\d+\.\d+[-\w]*"), "QGIS version …"),
    (re.compile(r'"timeStamp":\s*"[^"]*"'), '"timeStamp": "…"'),
]
MAX_DIFF_LINES = 60


@dataclass(frozen=True)
class Difference:
    kind: str  # "same", "text", "image", "size", "binary", "missing"
    summary: str
    diff: str = ""  # unified diff of the canonical forms
    share: float = 0.0  # images: share of pixels that differ
    diff_png: bytes = b""  # images: the difference, stretched to be seen


def canonical(body: bytes, content_type: str) -> str | None:
    """A text form in which equal documents are equal: C14N XML, sorted-key JSON."""
    kind = content_type.split(";")[0].lower()
    try:
        if "json" in kind:
            text = json.dumps(json.loads(body), indent=1, sort_keys=True, ensure_ascii=False)
        elif "xml" in kind or body.lstrip().startswith(b"<?xml"):
            parser = etree.XMLParser(remove_blank_text=True)
            root = etree.fromstring(body, parser)
            text = etree.tostring(
                etree.fromstring(etree.tostring(root, method="c14n")), pretty_print=True
            ).decode()
        elif kind.startswith("text/"):
            text = body.decode("utf-8", errors="replace")
        else:
            return None
    except (ValueError, etree.XMLSyntaxError):
        return body.decode("utf-8", errors="replace") if kind.startswith("text/") or "xml" in kind else None
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def compare_images(base: bytes, other: bytes) -> Difference:
    a, b = Image.open(io.BytesIO(base)).convert("RGBA"), Image.open(io.BytesIO(other)).convert("RGBA")
    if a.size != b.size:
        return Difference("size", f"image sizes differ: {a.size} and {b.size}")
    stats = image_difference(b, a)
    share = stats.differing_pixels / (a.width * a.height)
    if not stats.differing_pixels:
        return Difference("same", "same pixels")
    diff = ImageOps.autocontrast(difference_image(b, a))
    buffer = io.BytesIO()
    diff.save(buffer, format="PNG")
    return Difference(
        "image", f"{share:.1%} of pixels differ ({stats})", share=share, diff_png=buffer.getvalue()
    )


def compare(base: bytes, base_type: str, other: bytes, other_type: str) -> Difference:
    if not base and not other:
        return Difference("same", "no answer from either")
    if not base or not other:
        return Difference("missing", "one version gave no answer")
    if base == other:
        return Difference("same", "identical")
    if base_type.startswith("image/") and other_type.startswith("image/"):
        try:
            return compare_images(base, other)
        except OSError as error:
            return Difference("binary", f"images could not be read: {error}")
    left, right = canonical(base, base_type), canonical(other, other_type)
    if left is None or right is None:
        return Difference(
            "binary", f"bytes differ ({len(base):,} and {len(other):,} B; {base_type} / {other_type})"
        )
    if left == right:
        return Difference("same", "same after canonicalisation")
    lines = list(
        difflib.unified_diff(
            left.splitlines(), right.splitlines(), "baseline", "this version", lineterm="", n=1
        )
    )
    changed = sum(1 for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    shown = "\n".join(lines[:MAX_DIFF_LINES]) + (
        f"\n… {len(lines) - MAX_DIFF_LINES} more lines" if len(lines) > MAX_DIFF_LINES else ""
    )
    return Difference("text", f"{changed} line(s) differ", diff=shown)
