"""GDAL/OGR as a client of the stack: the commands users type, their answers as data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from stack.clients.container import ClientContainer

BBox = tuple[float, float, float, float]
NUMBER = r"-?[0-9.]+(?:e[-+]?[0-9]+)?"
EXTENT = rf"^Extent: \(({NUMBER}), ({NUMBER})\) - \(({NUMBER}), ({NUMBER})\)$"
SWAPPED_AXES = "Data axis to CRS axis mapping: 2,1"


@dataclass(frozen=True)
class VectorSummary:
    count: int
    extent: BBox | None


def gdal_environment(auth: tuple[str, str] | None) -> dict[str, str]:
    # GDAL_HTTP_USERPWD sends basic credentials with every request of the drivers.
    # The WMS/WMTS drivers cache tiles under ./gdalwmscache by default; the client's root
    # file system is read-only.
    env = {"GDAL_HTTP_TIMEOUT": "120", "GDAL_DEFAULT_WMS_CACHE_PATH": "/tmp/gdalwmscache"}
    if auth:
        env["GDAL_HTTP_USERPWD"] = ":".join(auth)
    return env


def wfs_source(ows_url: str) -> str:
    return f"WFS:{ows_url}?SERVICE=WFS&VERSION=1.1.0"


def vector_summary(client: ClientContainer, source: str, layer: str, env: dict[str, str]) -> VectorSummary:
    """`ogrinfo -so`: the feature count and extent the driver reports, in data axis order."""
    if client.gdal_version() >= (3, 7):
        info = json.loads(client.run("ogrinfo", "-ro", "-json", "-so", source, layer, environment=env))
        summary = info["layers"][0]
        extent = (summary.get("geometryFields") or [{}])[0].get("extent")
        return VectorSummary(summary["featureCount"], tuple(extent) if extent else None)
    # GDAL 3.6 (bookworm, with QGIS 3.22) has no -json, and its text shows the extent in the
    # CRS's axis order (lat, lon for EPSG:4326 from WFS 1.1.0): the mapping line says so.
    text = client.run("ogrinfo", "-ro", "-so", source, layer, environment=env)
    count = re.search(r"^Feature Count: (-?\d+)$", text, re.MULTILINE)
    if count is None:
        raise ValueError(f"ogrinfo gave no feature count:\n{text[-2000:]}")
    found = re.search(EXTENT, text, re.MULTILINE)
    corners = None
    if found:
        a, b, c, d = (float(v) for v in found.groups())
        corners = (b, a, d, c) if SWAPPED_AXES in text else (a, b, c, d)
    return VectorSummary(int(count.group(1)), corners)


def wfs_to_geopackage(
    client: ClientContainer, ows_url: str, layer: str, env: dict[str, str]
) -> VectorSummary:
    """`ogr2ogr WFS → GeoPackage`, then what the GeoPackage holds (every feature downloaded)."""
    target = f"/tmp/{layer}.gpkg"
    client.run("ogr2ogr", "-overwrite", "-f", "GPKG", target, wfs_source(ows_url), layer, environment=env)
    return vector_summary(client, target, layer, env)


@dataclass(frozen=True)
class RasterSummary:
    size: tuple[int, int]
    bands: list[dict[str, float]]  # minimum, maximum, mean per band


def raster_copy(client: ClientContainer, source: str, env: dict[str, str], *options: str) -> RasterSummary:
    """`gdal_translate SOURCE file` and `gdalinfo -stats` of the file."""
    target = "/tmp/raster-copy.tif"
    client.run("gdal_translate", "-q", *options, source, target, environment=env)
    info = json.loads(client.run("gdalinfo", "-json", "-stats", target, environment=env))
    bands = [{k: band.get(k, float("nan")) for k in ("minimum", "maximum", "mean")} for band in info["bands"]]
    return RasterSummary(tuple(info["size"]), bands)
