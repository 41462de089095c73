"""How much one request may ask for, and which requests are incomplete: plain logic.

QGIS caps GetMap and GetLegendGraphic at QGIS_SERVER_WMS_MAX_WIDTH/HEIGHT but not
GetFeatureInfo (it allocates an image of WIDTH x HEIGHT all the same), has no cap on DPI
(GetPrint at DPI=2200 took 18 s and gigabytes) and none on the size of a WCS coverage.
A request without SERVICE, REQUEST or (GetMap) VERSION gets a 200 or a 501 from QGIS; it is
the client's mistake, so it gets a 400 here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .rules import Refusal

FORMAT_OPTIONS_DPI = re.compile(r"(?:^|;)\s*dpi\s*:\s*([^;]*)", re.IGNORECASE)
# OGC API Features and other APIs live below the project path; they take no SERVICE.
OWS_PATH = re.compile(r"/ows/[A-Za-z0-9_-]+/?$")
WMS_WITHOUT_SERVICE = ("GETMAP", "GETFEATUREINFO")


@dataclass(frozen=True)
class Limits:
    wms_max_width: int | None
    wms_max_height: int | None
    wms_max_dpi: float
    wcs_max_width: int
    wcs_max_height: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        def number(name: str, default: str) -> int:
            return int(environ.get(name) or default)

        return cls(
            wms_max_width=number("QGIS_SERVER_WMS_MAX_WIDTH", "0") or None,
            wms_max_height=number("QGIS_SERVER_WMS_MAX_HEIGHT", "0") or None,
            wms_max_dpi=float(number("STACK_WMS_MAX_DPI", "300")),
            wcs_max_width=number("STACK_WCS_MAX_WIDTH", "4096"),
            wcs_max_height=number("STACK_WCS_MAX_HEIGHT", "4096"),
        )


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None  # QGIS says what is wrong with it


def _over(parameters: Mapping[str, str], name: str, limit: float | None, what: str) -> Refusal | None:
    value = _number(parameters.get(name, ""))
    if limit is not None and value is not None and value > limit:
        return Refusal("limit", name, f"{what} may be at most {limit:g} (asked for {value:g})")
    return None


def service_of(upper: Mapping[str, str]) -> str:
    """SERVICE, or WMS where QGIS assumes it: GetMap and GetFeatureInfo without SERVICE."""
    service = upper.get("SERVICE", "").strip().upper()
    if not service and upper.get("REQUEST", "").strip().upper() in WMS_WITHOUT_SERVICE:
        return "WMS"
    return service


def limit_violation(parameters: Mapping[str, str], limits: Limits) -> Refusal | None:
    upper = {name.upper(): value for name, value in parameters.items()}
    service = service_of(upper)
    checks: list[Refusal | None] = []
    if service == "WMS":
        for name in ("WIDTH", "SRCWIDTH"):
            checks.append(_over(upper, name, limits.wms_max_width, "the image width"))
        for name in ("HEIGHT", "SRCHEIGHT"):
            checks.append(_over(upper, name, limits.wms_max_height, "the image height"))
        checks.append(_over(upper, "DPI", limits.wms_max_dpi, "DPI"))
        for dpi in FORMAT_OPTIONS_DPI.findall(upper.get("FORMAT_OPTIONS", "")):
            checks.append(_over({"FORMAT_OPTIONS": dpi}, "FORMAT_OPTIONS", limits.wms_max_dpi, "dpi"))
    elif service == "WCS" and upper.get("REQUEST", "").upper() == "GETCOVERAGE":
        checks.append(_over(upper, "WIDTH", limits.wcs_max_width, "the coverage width"))
        checks.append(_over(upper, "HEIGHT", limits.wcs_max_height, "the coverage height"))
    return next((refusal for refusal in checks if refusal is not None), None)


def missing_operation(
    parameters: Mapping[str, str], path: str, is_service: Callable[[str], bool]
) -> tuple[str, str, str] | None:
    """(OGC code, locator, message) when an OWS request lacks SERVICE or REQUEST."""
    if not OWS_PATH.search(path):
        return None
    upper = {name.upper(): value.strip() for name, value in parameters.items()}
    service = service_of(upper)
    if not service:
        return ("MissingParameterValue", "SERVICE", "SERVICE is missing: WMS, WFS, WCS or WMTS")
    if not is_service(service):
        return (
            "InvalidParameterValue",
            "SERVICE",
            f"unknown SERVICE '{service[:40]}': WMS, WFS, WCS or WMTS",
        )
    request = upper.get("REQUEST", "")
    if not request:
        return (
            "MissingParameterValue",
            "REQUEST",
            "REQUEST is missing (or the XML body is not well-formed): GetCapabilities, for instance",
        )
    # QGIS answers a GetMap without VERSION with a 501 (qgswmsgetmap.cpp).
    versioned = upper.get("VERSION") or upper.get("WMTVER")
    if service == "WMS" and request.upper() == "GETMAP" and not versioned:
        return ("MissingParameterValue", "VERSION", "VERSION is missing: 1.3.0 or 1.1.1")
    return None
