"""WMTS 1.0.0: the whole project as one tiled layer, named after its root (`demo`).

QGIS Server derives one tile matrix set per published WMS CRS, with 256-pixel tiles; the
EPSG:3857 one has the scales of Google Maps Compatible.
"""

import itertools
from pathlib import Path

import pytest
from owslib.wmts import TileMatrix, WebMapTileService
from PIL import Image
from pyproj import Transformer

from stack.harness.handle import StackHandle
from stack.harness.images import (
    BBox,
    GoldenImages,
    colour_distance,
    distinct_colours,
    dominant_colour_near,
    open_image,
    pixel_at,
)
from tests.demo import LAND, OCEAN

GOLDEN_DIR = Path(__file__).parent / "golden"
DIFF_DIR = Path(__file__).parents[1] / "reports" / "golden-diffs"

LAYER = "demo"
TILE_MATRIX_SETS = {"EPSG:4326", "EPSG:3857", "EPSG:3035", "EPSG:27700"}  # the WMS CRS list
TILE_SIZE = 256
OGC_PIXEL_M = 0.00028  # the standard rendering pixel that scale denominators assume
METRES_PER_DEGREE = 111_319.490_793_273_57  # WGS 84 equator, as WMTS uses for degree CRSs
GOOGLE_LEVEL_0_SCALE = 559_082_264.028_717_8
MERCATOR_HALF_WORLD = 20_037_508.342_789_244

# Zoom level 1, row 0, column 0 of EPSG:3857: the north-west quarter of the world.
NORTH_WEST = {"tilematrixset": "EPSG:3857", "tilematrix": "1", "row": 0, "column": 0}
NORTH_WEST_OCEAN = [(-40.0, 30.0), (-150.0, 30.0)]  # (lon, lat): mid-Atlantic, mid-Pacific
NORTH_WEST_LAND = [(-100.0, 55.0), (-45.0, 75.0)]  # Manitoba, inland Greenland
PNG_TOLERANCE = 3
JPEG_TOLERANCE = 8

to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@pytest.fixture(scope="module")
def wmts(stack: StackHandle) -> WebMapTileService:
    return stack.wmts("1.0.0")


def tile(wmts: WebMapTileService, fmt: str) -> Image.Image:
    image = open_image(wmts.gettile(layer=LAYER, format=fmt, **NORTH_WEST).read())
    image.load()
    return image


@pytest.fixture(scope="module")
def png_tile(wmts: WebMapTileService) -> Image.Image:
    return tile(wmts, "image/png")


@pytest.fixture(scope="module")
def jpeg_tile(wmts: WebMapTileService) -> Image.Image:
    return tile(wmts, "image/jpeg")


def tile_bbox(matrix: TileMatrix, row: int, column: int, metres_per_unit: float = 1.0) -> BBox:
    """(minx, miny, maxx, maxy) of a tile of an x-first (easting, northing) tile matrix."""
    span = matrix.tilewidth * matrix.scaledenominator * OGC_PIXEL_M / metres_per_unit
    left, top = matrix.topleftcorner
    return (left + column * span, top - (row + 1) * span, left + (column + 1) * span, top - row * span)


@pytest.mark.smoke
def test_the_project_is_one_layer_named_after_its_root(wmts: WebMapTileService) -> None:
    assert list(wmts.contents) == [LAYER]
    assert wmts.contents[LAYER].title == "qgis-stack demo"


@pytest.mark.smoke
def test_the_layer_is_offered_in_png_and_jpeg(wmts: WebMapTileService) -> None:
    assert set(wmts.contents[LAYER].formats) == {"image/png", "image/jpeg"}


@pytest.mark.smoke
def test_there_is_one_tile_matrix_set_per_published_crs(wmts: WebMapTileService) -> None:
    assert set(wmts.tilematrixsets) == TILE_MATRIX_SETS
    assert set(wmts.contents[LAYER].tilematrixsetlinks) == TILE_MATRIX_SETS
    for name, matrix_set in wmts.tilematrixsets.items():
        assert matrix_set.crs == name


@pytest.mark.smoke
@pytest.mark.parametrize("name", sorted(TILE_MATRIX_SETS))
def test_every_tile_is_256_pixels_and_each_level_halves_the_scale(wmts: WebMapTileService, name: str) -> None:
    matrices = list(wmts.tilematrixsets[name].tilematrix.values())

    assert len(matrices) > 10
    assert {(m.tilewidth, m.tileheight) for m in matrices} == {(TILE_SIZE, TILE_SIZE)}
    for coarser, finer in itertools.pairwise(matrices):
        assert finer.scaledenominator == pytest.approx(coarser.scaledenominator / 2, rel=1e-9)


@pytest.mark.smoke
def test_web_mercator_level_0_is_google_maps_compatible(wmts: WebMapTileService) -> None:
    level_0 = wmts.tilematrixsets["EPSG:3857"].tilematrix["0"]

    assert level_0.scaledenominator == pytest.approx(GOOGLE_LEVEL_0_SCALE, rel=1e-9)
    assert level_0.topleftcorner == pytest.approx((-MERCATOR_HALF_WORLD, MERCATOR_HALF_WORLD), abs=0.01)
    assert (level_0.matrixwidth, level_0.matrixheight) == (1, 1)


@pytest.mark.smoke
def test_epsg_4326_level_0_is_two_tiles_of_a_hemisphere(wmts: WebMapTileService) -> None:
    level_0 = wmts.tilematrixsets["EPSG:4326"].tilematrix["0"]
    degrees_per_tile = TILE_SIZE * level_0.scaledenominator * OGC_PIXEL_M / METRES_PER_DEGREE

    assert (level_0.matrixwidth, level_0.matrixheight) == (2, 1)
    assert degrees_per_tile == pytest.approx(180, rel=1e-6)
    assert level_0.topleftcorner == (90, -180)  # EPSG:4326's own axis order: latitude first


@pytest.mark.parametrize(
    ("fixture", "fmt", "mode"), [("png_tile", "PNG", "RGBA"), ("jpeg_tile", "JPEG", "RGB")]
)
def test_get_tile_returns_a_256_pixel_tile_that_is_not_blank(
    request: pytest.FixtureRequest, fixture: str, fmt: str, mode: str
) -> None:
    image: Image.Image = request.getfixturevalue(fixture)

    assert (image.format, image.mode, image.size) == (fmt, mode, (TILE_SIZE, TILE_SIZE))
    assert distinct_colours(image) > 100


@pytest.mark.parametrize(
    ("fixture", "tolerance"), [("png_tile", PNG_TOLERANCE), ("jpeg_tile", JPEG_TOLERANCE)]
)
def test_a_tile_shows_the_sea_and_land_where_they_are(
    request: pytest.FixtureRequest, wmts: WebMapTileService, fixture: str, tolerance: int
) -> None:
    image: Image.Image = request.getfixturevalue(fixture)
    matrix = wmts.tilematrixsets["EPSG:3857"].tilematrix["1"]
    bbox = tile_bbox(matrix, NORTH_WEST["row"], NORTH_WEST["column"])

    for lon, lat in NORTH_WEST_OCEAN:
        colour = pixel_at(image, bbox, *to_mercator.transform(lon, lat))
        assert colour_distance(colour, OCEAN) <= tolerance, (lon, lat, colour)
    for lon, lat in NORTH_WEST_LAND:
        # The commonest colour nearby: at this scale, rivers and borders cross everything.
        colour = dominant_colour_near(image, bbox, *to_mercator.transform(lon, lat))
        assert colour_distance(colour, LAND) <= tolerance, (lon, lat, colour)


def test_a_png_tile_matches_its_golden_image(png_tile: Image.Image) -> None:
    problem = GoldenImages.from_environment(GOLDEN_DIR, DIFF_DIR).check("wmts-epsg3857-1-0-0", png_tile)

    assert problem is None, problem
