"""WMS GetMap: PNG and JPEG, opaque and transparent, in EPSG:4326, EPSG:3857 and EPSG:27700.

Pixels are checked at known places (fills of demo.qgs) and whole images against goldens in
tests/golden/ (QGIS_STACK_RECORD_GOLDENS=1 re-records them; mismatches are saved under
reports/golden-diffs/). Each map is requested once per module.
"""

from pathlib import Path

import pytest
from owslib.wms import WebMapService
from PIL import Image
from pyproj import Transformer

from stack.harness.handle import StackHandle
from stack.harness.images import (
    BBox,
    GoldenImages,
    Tolerance,
    colour_distance,
    distinct_colours,
    dominant_colour_near,
    image_difference,
    open_image,
    pixel_at,
    rgba_at,
)
from stack.harness.ows import wms_client
from tests.demo import INLAND, LAND, OCEAN, OPEN_OCEAN

GOLDEN_DIR = Path(__file__).parent / "golden"
DIFF_DIR = Path(__file__).parents[1] / "reports" / "golden-diffs"

WORLD: BBox = (-180, -90, 180, 90)
WORLD_SIZE = (512, 256)
MERCATOR_WORLD: BBox = (-20037508.34, -20037508.34, 20037508.34, 20037508.34)
MERCATOR_SIZE = (384, 384)
BRITAIN: BBox = (-200_000, -100_000, 900_000, 1_300_000)  # British National Grid, metres
BRITAIN_SIZE = (330, 420)  # 3,333 m a pixel
LUXEMBOURG: BBox = (5.7, 49.4, 6.6, 50.25)
LUXEMBOURG_SIZE = (216, 204)

WHITE = (255, 255, 255)  # QGIS's default BGCOLOR
FILL_TOLERANCE = 3  # PNG: exact fills, give or take rounding
JPEG_TOLERANCE = 8  # JPEG: well inside a fill, compression moves a few levels

# (lon, lat) inside Great Britain and Ireland, and at sea around them.
BRITISH_ISLES_LAND = [(-1.9, 52.48), (-3.6, 57.05), (-8.0, 53.4)]
BRITISH_ISLES_SEA = [(2.5, 56.0), (-10.5, 53.0), (-3.0, 50.0)]

# (lon, lat, fill) for every known place of tests/demo.py.
KNOWN_FILLS = [(lon, lat, OCEAN) for lon, lat in OPEN_OCEAN] + [(lon, lat, LAND) for lon, lat in INLAND]

to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
to_british_grid = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def get_map(
    wms: WebMapService,
    layers: list[str],
    crs: str,
    bbox: BBox,
    size: tuple[int, int],
    fmt: str = "image/png",
    transparent: bool = False,
) -> Image.Image:
    response = wms.getmap(
        layers=layers,
        styles=[""] * len(layers),
        srs=crs,
        bbox=bbox,  # OWSLib swaps the axes where the CRS wants it (EPSG:4326 in 1.3.0)
        size=size,
        format=fmt,
        transparent=transparent,
    )
    image = open_image(response.read())
    image.load()
    return image


@pytest.fixture(scope="module")
def goldens() -> GoldenImages:
    return GoldenImages.from_environment(GOLDEN_DIR, DIFF_DIR)


@pytest.fixture(scope="module")
def world_png(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["ocean", "countries"], "EPSG:4326", WORLD, WORLD_SIZE)


@pytest.fixture(scope="module")
def world_jpeg(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["ocean", "countries"], "EPSG:4326", WORLD, WORLD_SIZE, fmt="image/jpeg")


@pytest.fixture(scope="module")
def countries_transparent_png(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["countries"], "EPSG:4326", WORLD, WORLD_SIZE, transparent=True)


@pytest.fixture(scope="module")
def countries_transparent_jpeg(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["countries"], "EPSG:4326", WORLD, WORLD_SIZE, fmt="image/jpeg", transparent=True)


@pytest.fixture(scope="module")
def mercator_png(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["ocean", "countries"], "EPSG:3857", MERCATOR_WORLD, MERCATOR_SIZE)


@pytest.fixture(scope="module")
def britain_png(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["ocean", "countries"], "EPSG:27700", BRITAIN, BRITAIN_SIZE)


@pytest.fixture(scope="module")
def britain_countries_png(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["countries"], "EPSG:27700", BRITAIN, BRITAIN_SIZE, transparent=True)


@pytest.fixture(scope="module")
def elevation_png(wms: WebMapService) -> Image.Image:
    return get_map(wms, ["elevation"], "EPSG:4326", LUXEMBOURG, LUXEMBOURG_SIZE, transparent=True)


# --- formats and sizes ---


@pytest.mark.parametrize(
    ("fixture", "fmt", "mode"),
    [
        ("world_png", "PNG", "RGB"),
        ("countries_transparent_png", "PNG", "RGBA"),
        ("world_jpeg", "JPEG", "RGB"),
        ("countries_transparent_jpeg", "JPEG", "RGB"),  # JPEG has no alpha channel
    ],
)
def test_getmap_returns_the_requested_format_and_size(
    request: pytest.FixtureRequest, fixture: str, fmt: str, mode: str
) -> None:
    image: Image.Image = request.getfixturevalue(fixture)

    assert (image.format, image.mode, image.size) == (fmt, mode, WORLD_SIZE)


def test_getmap_is_not_blank(world_png: Image.Image) -> None:
    assert distinct_colours(world_png) > 2


# --- EPSG:4326 ---


@pytest.mark.parametrize(("lon", "lat"), OPEN_OCEAN)
def test_open_ocean_is_painted_in_the_ocean_colour(world_png: Image.Image, lon: float, lat: float) -> None:
    assert colour_distance(pixel_at(world_png, WORLD, lon, lat), OCEAN) <= FILL_TOLERANCE


@pytest.mark.parametrize(("lon", "lat"), INLAND)
def test_inland_places_are_painted_in_the_land_colour(world_png: Image.Image, lon: float, lat: float) -> None:
    assert colour_distance(pixel_at(world_png, WORLD, lon, lat), LAND) <= FILL_TOLERANCE


@pytest.mark.parametrize(("lon", "lat", "fill"), KNOWN_FILLS)
def test_a_jpeg_has_the_same_fills_within_compression_noise(
    world_jpeg: Image.Image, lon: float, lat: float, fill: tuple[int, int, int]
) -> None:
    assert colour_distance(pixel_at(world_jpeg, WORLD, lon, lat), fill) <= JPEG_TOLERANCE


@pytest.mark.parametrize(("lon", "lat"), OPEN_OCEAN)
def test_a_transparent_png_is_see_through_where_nothing_is_drawn(
    countries_transparent_png: Image.Image, lon: float, lat: float
) -> None:
    assert rgba_at(countries_transparent_png, WORLD, lon, lat)[3] == 0


@pytest.mark.parametrize(("lon", "lat"), INLAND)
def test_a_transparent_png_is_opaque_where_a_country_is_drawn(
    countries_transparent_png: Image.Image, lon: float, lat: float
) -> None:
    *rgb, alpha = rgba_at(countries_transparent_png, WORLD, lon, lat)

    assert alpha == 255
    assert colour_distance((rgb[0], rgb[1], rgb[2]), LAND) <= FILL_TOLERANCE


@pytest.mark.parametrize(("lon", "lat"), OPEN_OCEAN)
def test_a_transparent_jpeg_shows_the_background_colour_where_nothing_is_drawn(
    countries_transparent_jpeg: Image.Image, lon: float, lat: float
) -> None:
    assert colour_distance(pixel_at(countries_transparent_jpeg, WORLD, lon, lat), WHITE) <= JPEG_TOLERANCE


def test_wms_1_1_1_reads_the_epsg_4326_bbox_longitude_first(stack: StackHandle) -> None:
    # WMS 1.1.1 keeps lon/lat order for EPSG:4326 where 1.3.0 swaps it: same map either way.
    image = get_map(wms_client(stack, "1.1.1"), ["ocean", "countries"], "EPSG:4326", WORLD, WORLD_SIZE)

    for lon, lat in OPEN_OCEAN:
        assert colour_distance(pixel_at(image, WORLD, lon, lat), OCEAN) <= FILL_TOLERANCE, (lon, lat)
    for lon, lat in INLAND:
        assert colour_distance(pixel_at(image, WORLD, lon, lat), LAND) <= FILL_TOLERANCE, (lon, lat)


# --- EPSG:3857 ---


@pytest.mark.parametrize(("lon", "lat", "fill"), KNOWN_FILLS)
def test_web_mercator_puts_the_fills_where_they_project(
    mercator_png: Image.Image, lon: float, lat: float, fill: tuple[int, int, int]
) -> None:
    x, y = to_mercator.transform(lon, lat)

    assert colour_distance(pixel_at(mercator_png, MERCATOR_WORLD, x, y), fill) <= FILL_TOLERANCE


# --- EPSG:27700 (British National Grid) ---


@pytest.mark.parametrize(("lon", "lat"), BRITISH_ISLES_LAND)
def test_british_national_grid_puts_land_where_it_projects(
    britain_png: Image.Image, lon: float, lat: float
) -> None:
    x, y = to_british_grid.transform(lon, lat)

    # The commonest colour around the spot: county-sized maps have rivers and borders nearby.
    assert colour_distance(dominant_colour_near(britain_png, BRITAIN, x, y), LAND) <= FILL_TOLERANCE


@pytest.mark.parametrize(("lon", "lat"), BRITISH_ISLES_SEA)
def test_british_national_grid_draws_no_country_at_sea(
    britain_countries_png: Image.Image, lon: float, lat: float
) -> None:
    x, y = to_british_grid.transform(lon, lat)

    assert rgba_at(britain_countries_png, BRITAIN, x, y)[3] == 0


# Natural Earth's ocean is one polygon around the globe, which QGIS drops when it reprojects
# into EPSG:27700; postgis/initdb.d/25-demo-ocean-split.sql splits it so the sea is painted.
@pytest.mark.parametrize(("lon", "lat"), BRITISH_ISLES_SEA)
def test_british_national_grid_paints_the_sea_in_the_ocean_colour(
    britain_png: Image.Image, lon: float, lat: float
) -> None:
    x, y = to_british_grid.transform(lon, lat)

    assert colour_distance(dominant_colour_near(britain_png, BRITAIN, x, y), OCEAN) <= FILL_TOLERANCE


# --- raster ---


def test_the_elevation_raster_is_drawn_in_greys_over_luxembourg(elevation_png: Image.Image) -> None:
    red, green, blue, alpha = rgba_at(elevation_png, LUXEMBOURG, 6.13, 49.61)  # Luxembourg City

    assert alpha == 255
    assert red == green == blue  # a single-band grey ramp
    assert distinct_colours(elevation_png) > 50


def test_the_elevation_raster_is_transparent_outside_its_data(elevation_png: Image.Image) -> None:
    assert rgba_at(elevation_png, LUXEMBOURG, 5.72, 50.23)[3] == 0  # outside the GeoTIFF
    assert rgba_at(elevation_png, LUXEMBOURG, 5.8, 50.15)[3] == 0  # Belgium: nodata in the GeoTIFF


# --- golden images ---


@pytest.mark.parametrize(
    ("fixture", "golden"),
    [
        ("world_png", "wms-world-epsg4326"),
        ("mercator_png", "wms-world-epsg3857"),
        ("britain_countries_png", "wms-british-isles-epsg27700"),
        ("elevation_png", "wms-elevation-luxembourg"),
    ],
)
def test_getmap_matches_its_golden_image(
    request: pytest.FixtureRequest, goldens: GoldenImages, fixture: str, golden: str
) -> None:
    problem = goldens.check(golden, request.getfixturevalue(fixture))

    assert problem is None, problem


def test_the_golden_comparison_notices_a_missing_layer(
    world_png: Image.Image, countries_transparent_png: Image.Image, tmp_path: Path
) -> None:
    # The same map without its ocean must fail the default tolerance, and leave a diff to look at.
    goldens = GoldenImages(tmp_path / "golden", tmp_path / "diffs", record=True)
    goldens.check("world", world_png)
    goldens.record = False

    problem = goldens.check("world", countries_transparent_png)

    assert image_difference(countries_transparent_png, world_png).mean > Tolerance().mean
    assert problem is not None and "world differs" in problem
    assert (tmp_path / "diffs" / "world.diff.png").is_file()
    assert (tmp_path / "diffs" / "world.actual.png").is_file()
