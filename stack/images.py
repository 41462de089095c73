"""Image checks for GetMap answers: pixels at map coordinates, blankness, colour distance."""

from __future__ import annotations

import io

from PIL import Image

RGB = tuple[int, int, int]


def open_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def hex_rgb(color: str) -> RGB:
    color = color.lstrip("#")
    return (int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16))


def pixel_at(image: Image.Image, bbox: tuple[float, float, float, float], x: float, y: float) -> RGB:
    """RGB at map coordinate (x, y) of an image covering bbox = (minx, miny, maxx, maxy)."""
    minx, miny, maxx, maxy = bbox
    column = int((x - minx) / (maxx - minx) * image.width)
    row = int((maxy - y) / (maxy - miny) * image.height)
    if not (0 <= column < image.width and 0 <= row < image.height):
        raise ValueError(f"({x}, {y}) lies outside {bbox}")
    red, green, blue = image.convert("RGB").getpixel((column, row))[:3]
    return (red, green, blue)


def colour_distance(a: RGB, b: RGB) -> int:
    """The largest per-channel difference."""
    return max(abs(p - q) for p, q in zip(a, b, strict=True))


def distinct_colours(image: Image.Image, at_most: int = 4096) -> int:
    """How many colours the image uses (capped); 1 means blank."""
    colours = image.convert("RGBA").getcolors(maxcolors=at_most)
    return at_most if colours is None else len(colours)
