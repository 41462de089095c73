"""WMS GetLegendGraphic, following the LegendURL each layer advertises (as a client would)."""

import pytest
from owslib.wms import WebMapService
from PIL import Image

from stack.harness.handle import StackHandle
from stack.harness.images import RGB, contains_colour, distinct_colours, open_image
from tests.demo import ALL_LAYERS, LAND, OCEAN

LEGEND_LAYERS = sorted(ALL_LAYERS | {"observations"})


def legend(stack: StackHandle, wms: WebMapService, layer: str) -> Image.Image:
    style = wms[layer].styles["default"]
    assert style["legend_format"] == "image/png", style
    # Raw GET of the advertised URL: OWSLib has no GetLegendGraphic.
    response = stack.get(style["legend"])
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "image/png"
    image = open_image(response.content)
    image.load()
    return image


@pytest.mark.smoke
@pytest.mark.parametrize("layer", LEGEND_LAYERS)
def test_every_layer_has_a_legend_that_is_not_blank(
    stack: StackHandle, wms: WebMapService, layer: str
) -> None:
    image = legend(stack, wms, layer)

    assert image.format == "PNG"
    assert image.width > 16 and image.height > 16, image.size
    assert distinct_colours(image) > 2


@pytest.mark.smoke
@pytest.mark.parametrize(("layer", "fill"), [("countries", LAND), ("ocean", OCEAN)])
def test_a_polygon_legend_shows_the_layer_fill(
    stack: StackHandle, wms: WebMapService, layer: str, fill: RGB
) -> None:
    assert contains_colour(legend(stack, wms, layer), fill)
