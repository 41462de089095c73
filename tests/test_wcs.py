"""WCS 1.0.0 (the version QGIS Server speaks): the elevation GeoTIFF of Luxembourg.

GeoTIFF georeferencing is read from its tags with Pillow (33550 ModelPixelScale, 33922
ModelTiepoint, 42113 GDAL_NODATA): no GDAL needed.
"""

import pytest
from owslib.coverage.wcs100 import WebCoverageService_1_0_0
from owslib.wms import WebMapService
from PIL import Image

from stack.harness.handle import StackHandle
from stack.harness.images import open_image

COVERAGE = "elevation"
LUXEMBOURG = (5.741666, 49.441666, 6.533334, 50.191667)  # minx, miny, maxx, maxy
RESOLUTION = 0.00833333  # 30 arc seconds
NATIVE_SIZE = (95, 90)  # columns, rows
MODEL_PIXEL_SCALE = 33550
MODEL_TIEPOINT = 33922
GDAL_NODATA = 42113


@pytest.fixture(scope="module")
def wcs(stack: StackHandle) -> WebCoverageService_1_0_0:
    return stack.wcs("1.0.0")


def get_coverage(
    wcs: WebCoverageService_1_0_0, bbox: tuple[float, float, float, float], size: tuple[int, int]
) -> Image.Image:
    # WIDTH/HEIGHT, not RESX/RESY: QGIS 3.40 answers those with "CreateDatasourceError".
    response = wcs.getCoverage(
        identifier=COVERAGE, bbox=bbox, crs="EPSG:4326", format="GeoTIFF", width=size[0], height=size[1]
    )
    image = open_image(response.read())
    image.load()
    return image


@pytest.fixture(scope="module")
def whole_coverage(wcs: WebCoverageService_1_0_0) -> Image.Image:
    return get_coverage(wcs, LUXEMBOURG, NATIVE_SIZE)


@pytest.mark.smoke
def test_capabilities_offer_the_elevation_coverage_over_luxembourg(wcs: WebCoverageService_1_0_0) -> None:
    assert list(wcs.contents) == [COVERAGE]
    assert wcs.contents[COVERAGE].boundingBoxWGS84 == pytest.approx(LUXEMBOURG, abs=1e-6)
    assert {operation.name for operation in wcs.operations} >= {"DescribeCoverage", "GetCoverage"}


@pytest.mark.smoke
def test_wcs_and_wms_agree_on_the_extent(wcs: WebCoverageService_1_0_0, wms: WebMapService) -> None:
    assert wcs.contents[COVERAGE].boundingBoxWGS84 == pytest.approx(wms[COVERAGE].boundingBoxWGS84, abs=1e-6)


@pytest.mark.smoke
def test_describe_coverage_gives_the_grid_crs_and_format(wcs: WebCoverageService_1_0_0) -> None:
    coverage = wcs.contents[COVERAGE]  # OWSLib sends DescribeCoverage on first use of these
    grid = coverage.grid
    low = [int(value) for value in grid.lowlimits]
    high = [int(value) for value in grid.highlimits]
    offsets = [[float(value) for value in vector] for vector in grid.offsetvectors]

    assert coverage.supportedFormats == ["GeoTIFF"]
    assert {crs.getcode() for crs in coverage.supportedCRS} == {"EPSG:4326"}
    assert offsets == [[pytest.approx(RESOLUTION), 0.0], [0.0, pytest.approx(RESOLUTION)]]
    # GML's GridEnvelope high is inclusive (size - 1); QGIS writes the size itself.
    assert [h - lo for h, lo in zip(high, low, strict=True)] == list(NATIVE_SIZE)
    # QGIS puts the origin at the lower-left corner, with y growing north.
    assert [float(value) for value in grid.origin] == pytest.approx(LUXEMBOURG[:2], abs=1e-6)


def test_get_coverage_returns_a_geotiff_of_the_requested_size(whole_coverage: Image.Image) -> None:
    assert whole_coverage.format == "TIFF"
    assert whole_coverage.size == NATIVE_SIZE


def test_the_geotiff_is_georeferenced_on_the_requested_extent(whole_coverage: Image.Image) -> None:
    tags = whole_coverage.tag_v2
    scale_x, scale_y, _ = tags[MODEL_PIXEL_SCALE]
    *_, west, north, _ = tags[MODEL_TIEPOINT]  # raster (0, 0) → model (west, north)

    assert (west, north) == pytest.approx((LUXEMBOURG[0], LUXEMBOURG[3]), abs=1e-6)
    assert (scale_x, scale_y) == pytest.approx((RESOLUTION, RESOLUTION), rel=1e-4)


def test_the_geotiff_holds_luxembourgs_heights(whole_coverage: Image.Image) -> None:
    nodata = int(whole_coverage.tag_v2[GDAL_NODATA])
    pixels = whole_coverage.load()
    width, height = whole_coverage.size
    values = [pixels[column, row] for row in range(height) for column in range(width)]
    heights = [value for value in values if value != nodata]

    assert len(heights) > NATIVE_SIZE[0] * NATIVE_SIZE[1] // 3  # Luxembourg fills much of its box
    # The Moselle leaves Luxembourg at about 130 m; the Kneiff, its top, is 560 m.
    assert 100 < min(heights) < 250
    assert 400 < max(heights) < 600


def test_get_coverage_of_a_part_is_georeferenced_on_that_part(wcs: WebCoverageService_1_0_0) -> None:
    minx, miny, maxx, maxy = 6.0, 49.5, 6.4, 49.8  # the south-east: Luxembourg City, the Moselle
    size = (48, 36)
    image = get_coverage(wcs, (minx, miny, maxx, maxy), size)
    scale_x, scale_y, _ = image.tag_v2[MODEL_PIXEL_SCALE]
    *_, west, north, _ = image.tag_v2[MODEL_TIEPOINT]

    assert image.size == size
    assert (west, north) == pytest.approx((minx, maxy), abs=1e-6)
    assert (scale_x, scale_y) == pytest.approx(((maxx - minx) / size[0], (maxy - miny) / size[1]), rel=1e-6)
