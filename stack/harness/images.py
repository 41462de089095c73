"""Image checks for GetMap answers: pixels at map coordinates, blankness, colour distance,
and comparison with golden images."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
BBox = tuple[float, float, float, float]  # minx, miny, maxx, maxy

# Set to 1 to (re)write the golden images instead of comparing against them.
RECORD_GOLDENS_ENV = "QGIS_STACK_RECORD_GOLDENS"


def open_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def hex_rgb(color: str) -> RGB:
    color = color.lstrip("#")
    return (int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16))


def pixel_position(image: Image.Image, bbox: BBox, x: float, y: float) -> tuple[int, int]:
    """(column, row) of map coordinate (x, y) in an image covering bbox."""
    minx, miny, maxx, maxy = bbox
    column = int((x - minx) / (maxx - minx) * image.width)
    row = int((maxy - y) / (maxy - miny) * image.height)
    if not (0 <= column < image.width and 0 <= row < image.height):
        raise ValueError(f"({x}, {y}) lies outside {bbox}")
    return column, row


def rgba_at(image: Image.Image, bbox: BBox, x: float, y: float) -> RGBA:
    """RGBA at map coordinate (x, y) of an image covering bbox; alpha is 255 without a channel."""
    red, green, blue, alpha = image.convert("RGBA").getpixel(pixel_position(image, bbox, x, y))
    return (red, green, blue, alpha)


def pixel_at(image: Image.Image, bbox: BBox, x: float, y: float) -> RGB:
    """RGB at map coordinate (x, y) of an image covering bbox = (minx, miny, maxx, maxy)."""
    red, green, blue, _ = rgba_at(image, bbox, x, y)
    return (red, green, blue)


def dominant_colour_near(image: Image.Image, bbox: BBox, x: float, y: float, radius: int = 2) -> RGB:
    """The commonest RGB in the (2 radius + 1)² pixels around (x, y): a thin border or river
    line crossing the spot does not change it, a fill does."""
    column, row = pixel_position(image, bbox, x, y)
    window = image.convert("RGB").crop((column - radius, row - radius, column + radius + 1, row + radius + 1))
    _, (red, green, blue) = max(window.getcolors(maxcolors=window.width * window.height))
    return (red, green, blue)


def colour_distance(a: RGB, b: RGB) -> int:
    """The largest per-channel difference."""
    return max(abs(p - q) for p, q in zip(a, b, strict=True))


def contains_colour(image: Image.Image, colour: RGB, tolerance: int = 3) -> bool:
    """Whether any pixel is within tolerance of colour (e.g. a legend swatch)."""
    colours = image.convert("RGB").getcolors(maxcolors=image.width * image.height)
    assert colours is not None  # maxcolors = every pixel: never exceeded
    return any(colour_distance(rgb, colour) <= tolerance for _, rgb in colours)


def distinct_colours(image: Image.Image, at_most: int = 4096) -> int:
    """How many colours the image uses (capped); 1 means blank."""
    colours = image.convert("RGBA").getcolors(maxcolors=at_most)
    return at_most if colours is None else len(colours)


@dataclass(frozen=True)
class Tolerance:
    """How far an image may drift from its golden, in per-pixel differences (0-255, the largest
    over R, G, B and A). Antialiasing and font hinting move edge pixels between QGIS versions;
    a missing layer, a shifted extent or a changed fill moves whole areas."""

    mean: float = 2.0  # the average difference over all pixels
    percentile: float = 99.0  # this share of pixels ...
    at_percentile: int = 64  # ... differs by at most this much


@dataclass(frozen=True)
class ImageDifference:
    mean: float
    percentile: float
    at_percentile: int
    largest: int
    differing_pixels: int  # pixels with any difference at all

    def within(self, tolerance: Tolerance) -> bool:
        return self.mean <= tolerance.mean and self.at_percentile <= tolerance.at_percentile

    def __str__(self) -> str:
        return (
            f"mean difference {self.mean:.2f}, {self.percentile:g}th percentile {self.at_percentile}, "
            f"largest {self.largest}, {self.differing_pixels} pixels differ"
        )


def difference_image(actual: Image.Image, expected: Image.Image) -> Image.Image:
    """A greyscale image of the per-pixel difference: the largest over the RGBA channels."""
    channels = ImageChops.difference(actual.convert("RGBA"), expected.convert("RGBA")).split()
    largest = channels[0]
    for channel in channels[1:]:
        largest = ImageChops.lighter(largest, channel)
    return largest


def image_difference(actual: Image.Image, expected: Image.Image, percentile: float = 99.0) -> ImageDifference:
    """Statistics of the per-pixel difference of two images of the same size."""
    if actual.size != expected.size:
        raise ValueError(f"sizes differ: {actual.size} against {expected.size}")
    histogram = difference_image(actual, expected).histogram()  # pixels per difference 0..255
    pixels = actual.width * actual.height
    cumulative = 0
    at_percentile = 255
    for value, count in enumerate(histogram):
        cumulative += count
        if cumulative >= pixels * percentile / 100:
            at_percentile = value
            break
    return ImageDifference(
        mean=sum(value * count for value, count in enumerate(histogram)) / pixels,
        percentile=percentile,
        at_percentile=at_percentile,
        largest=max(value for value, count in enumerate(histogram) if count),
        differing_pixels=pixels - histogram[0],
    )


class GoldenImages:
    """Golden images in one directory, compared with a tolerance.

    On a mismatch, the actual image and an amplified difference image go to diff_directory
    so that a person can look at them. With record=True, check() (re)writes the golden instead.
    """

    def __init__(self, directory: Path, diff_directory: Path, record: bool = False) -> None:
        self.directory = directory
        self.diff_directory = diff_directory
        self.record = record

    @classmethod
    def from_environment(cls, directory: Path, diff_directory: Path) -> GoldenImages:
        return cls(directory, diff_directory, record=os.environ.get(RECORD_GOLDENS_ENV, "") == "1")

    def check(self, name: str, actual: Image.Image, tolerance: Tolerance | None = None) -> str | None:
        """None when actual matches the golden `name`.png within tolerance, else why not."""
        tolerance = tolerance or Tolerance()
        golden = self.directory / f"{name}.png"
        if self.record:
            self.directory.mkdir(parents=True, exist_ok=True)
            actual.save(golden, optimize=True)
            return None
        if not golden.is_file():
            return f"no golden image {golden}: record it with {RECORD_GOLDENS_ENV}=1"
        with Image.open(golden) as stored:
            expected = stored.copy()
        if actual.size != expected.size:
            saved = self._save_for_diagnosis(name, actual, None)
            return f"{name}: size {actual.size}, the golden {golden} has {expected.size}. Saved {saved}."
        difference = image_difference(actual, expected, tolerance.percentile)
        if difference.within(tolerance):
            return None
        saved = self._save_for_diagnosis(name, actual, expected)
        return (
            f"{name} differs from {golden}: {difference}; allowed: mean {tolerance.mean}, "
            f"{tolerance.percentile:g}th percentile {tolerance.at_percentile}. Saved {saved}. "
            f"If the change is intended, re-record with {RECORD_GOLDENS_ENV}=1."
        )

    def _save_for_diagnosis(self, name: str, actual: Image.Image, expected: Image.Image | None) -> str:
        self.diff_directory.mkdir(parents=True, exist_ok=True)
        actual_path = self.diff_directory / f"{name}.actual.png"
        actual.save(actual_path)
        if expected is None:
            return str(actual_path)
        diff_path = self.diff_directory / f"{name}.diff.png"
        # Amplified so that a difference of a few levels is visible: white is 32 or more.
        difference_image(actual, expected).point(lambda value: min(255, value * 8)).save(diff_path)
        return f"{actual_path} and {diff_path}"
