"""The requests `make bench` sends: one list of query strings per workload, the same for
every target (only the URL prefix that picks the project differs)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urlencode

# Web Mercator's half width (m): tile bounds follow from it and the zoom level.
MERCATOR_HALF = 20037508.342789244
TILE_SEED = 10  # the tile list is the same in every run
TILE_COUNT = 64
# Every target is asked as this role of access/rules.yaml: it sees every layer and row, so
# "WFS all places" is all 7,322 of them and no answer is shortened by a role's filter.
ROLE = "editor"


@dataclass(frozen=True)
class Workload:
    name: str
    queries: tuple[str, ...]
    small: bool = False  # a request under ~10 ms in process: it shows the per-request floor
    cold: bool = False  # measured as the first request of a fresh worker, not in a loop
    tile: bool = False  # a map tile (what a tile cache would store)


def query(**params: str) -> str:
    return urlencode(params)


def tile_bbox(zoom: int, x: int, y: int) -> str:
    size = 2 * MERCATOR_HALF / 2**zoom
    minx = -MERCATOR_HALF + x * size
    maxy = MERCATOR_HALF - y * size
    return f"{minx:.2f},{maxy - size:.2f},{minx + size:.2f},{maxy:.2f}"


def europe_tiles(count: int = TILE_COUNT, seed: int = TILE_SEED) -> list[tuple[int, int, int]]:
    """Tiles over Europe at zoom 4 to 7, drawn from a fixed seed."""
    rng = random.Random(seed)
    tiles = []
    for _ in range(count):
        zoom = rng.randint(4, 7)
        scale = 2 ** (zoom - 4)
        tiles.append((zoom, rng.randint(7 * scale, 9 * scale), rng.randint(4 * scale, 6 * scale)))
    return tiles


WMS = {"SERVICE": "WMS", "VERSION": "1.3.0"}
CAPABILITIES = query(**WMS, REQUEST="GetCapabilities")
WORLD = {
    **WMS,
    "REQUEST": "GetMap",
    "LAYERS": "ocean,countries,rivers",
    "STYLES": "",
    "CRS": "EPSG:4326",
    "BBOX": "-90,-180,90,180",
    "WIDTH": "512",
    "HEIGHT": "256",
    "FORMAT": "image/png",
}


def tile_queries() -> tuple[str, ...]:
    return tuple(
        query(
            **WMS,
            REQUEST="GetMap",
            LAYERS="demo",
            STYLES="",
            CRS="EPSG:3857",
            BBOX=tile_bbox(z, x, y),
            WIDTH="256",
            HEIGHT="256",
            FORMAT="image/png",
            TRANSPARENT="TRUE",
        )
        for z, x, y in europe_tiles()
    )


def wmts_tile() -> str:
    return query(
        SERVICE="WMTS",
        VERSION="1.0.0",
        REQUEST="GetTile",
        LAYER="demo",
        STYLE="",
        TILEMATRIXSET="EPSG:3857",
        TILEMATRIX="4",
        TILEROW="5",
        TILECOL="8",
        FORMAT="image/png",
    )


WORKLOADS: tuple[Workload, ...] = (
    Workload("GetCapabilities cold", (CAPABILITIES,), small=True, cold=True),
    Workload("GetCapabilities warm", (CAPABILITIES,), small=True),
    Workload(
        "GetFeatureInfo JSON",
        (
            query(
                **{
                    **WORLD,
                    "REQUEST": "GetFeatureInfo",
                    "LAYERS": "countries",
                    "QUERY_LAYERS": "countries",
                    "INFO_FORMAT": "application/json",
                    "I": "270",
                    "J": "57",
                }
            ),
        ),
        small=True,
    ),
    # The cheapest real request (1-2 ms in process, no database): the floor's clearest probe.
    Workload(
        "WFS DescribeFeatureType",
        (query(SERVICE="WFS", VERSION="1.1.0", REQUEST="DescribeFeatureType", TYPENAME="places"),),
        small=True,
    ),
    Workload("GetMap 256² tiles 3857", tile_queries(), tile=True),
    Workload("WMTS tile", (wmts_tile(),), tile=True),
    Workload("GetMap 512x256 world", (query(**WORLD),)),
    Workload(
        "GetMap 1024x768 Europe labels",
        (
            query(
                **{
                    **WORLD,
                    "LAYERS": "demo",
                    "CRS": "EPSG:3857",
                    "BBOX": "-1000000,4300000,3000000,7300000",
                    "WIDTH": "1024",
                    "HEIGHT": "768",
                }
            ),
        ),
    ),
    Workload(
        "WFS all places",
        (
            query(
                SERVICE="WFS",
                VERSION="1.1.0",
                REQUEST="GetFeature",
                TYPENAME="places",
                OUTPUTFORMAT="application/json",
            ),
        ),
    ),
)


def by_name(name: str) -> Workload:
    return next(w for w in WORKLOADS if w.name == name)
