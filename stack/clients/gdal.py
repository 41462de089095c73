"""GDAL/OGR as a client of the stack: the commands users type, their answers as data."""

from __future__ import annotations

import json
from dataclasses import dataclass

from stack.clients.container import ClientContainer

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class VectorSummary:
    count: int
    extent: BBox | None


def gdal_environment(auth: tuple[str, str] | None) -> dict[str, str]:
    # GDAL_HTTP_USERPWD sends basic credentials with every request of the drivers.
    env = {"GDAL_HTTP_TIMEOUT": "120", "CPL_VSIL_CURL_CACHE_SIZE": "0"}
    if auth:
        env["GDAL_HTTP_USERPWD"] = ":".join(auth)
    return env


def wfs_source(ows_url: str) -> str:
    return f"WFS:{ows_url}?SERVICE=WFS&VERSION=1.1.0"


def vector_summary(client: ClientContainer, source: str, layer: str, env: dict[str, str]) -> VectorSummary:
    """`ogrinfo -json -so`: the feature count and extent the driver reports."""
    info = json.loads(client.run("ogrinfo", "-ro", "-json", "-so", source, layer, environment=env))
    summary = info["layers"][0]
    fields = summary.get("geometryFields") or [{}]
    extent = fields[0].get("extent")
    return VectorSummary(summary["featureCount"], tuple(extent) if extent else None)


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
