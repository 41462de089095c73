"""stack_guard's limits and its check for incomplete requests: pure logic, no QGIS."""

import sys

import pytest

from stack.security.refusals import TABLE_PATH

sys.path.insert(0, str(TABLE_PATH.parents[1]))
from stack_guard.limits import Limits, limit_violation, missing_operation

LIMITS = Limits(
    wms_max_width=4096, wms_max_height=4096, wms_max_dpi=300, wcs_max_width=1000, wcs_max_height=800
)
KNOWN = {"WMS", "WFS", "WCS", "WMTS", "STACKINFO"}


@pytest.mark.parametrize(
    ("parameters", "refused"),
    [
        ({"SERVICE": "WMS", "REQUEST": "GetPrint", "DPI": "2200"}, "DPI"),
        ({"service": "wms", "request": "GetMap", "dpi": "300.5"}, "DPI"),
        (
            {"SERVICE": "WMS", "REQUEST": "GetMap", "FORMAT_OPTIONS": "antialias:true;dpi:4000"},
            "FORMAT_OPTIONS",
        ),
        ({"SERVICE": "WMS", "REQUEST": "GetFeatureInfo", "WIDTH": "100000", "HEIGHT": "10"}, "WIDTH"),
        ({"SERVICE": "WMS", "REQUEST": "GetLegendGraphic", "SRCHEIGHT": "5000"}, "SRCHEIGHT"),
        ({"REQUEST": "GetMap", "WIDTH": "5000"}, "WIDTH"),  # QGIS assumes WMS
        ({"SERVICE": "WCS", "REQUEST": "GetCoverage", "WIDTH": "1001", "HEIGHT": "10"}, "WIDTH"),
        ({"SERVICE": "WCS", "REQUEST": "getcoverage", "WIDTH": "10", "HEIGHT": "16000"}, "HEIGHT"),
    ],
)
def test_oversized_requests_are_refused_naming_the_parameter(
    parameters: dict[str, str], refused: str
) -> None:
    refusal = limit_violation(parameters, LIMITS)

    assert refusal is not None
    assert refusal.parameter == refused
    assert "at most" in refusal.reason


@pytest.mark.parametrize(
    "parameters",
    [
        {"SERVICE": "WMS", "REQUEST": "GetPrint", "DPI": "300"},
        {
            "SERVICE": "WMS",
            "REQUEST": "GetMap",
            "WIDTH": "4096",
            "HEIGHT": "4096",
            "FORMAT_OPTIONS": "dpi:96",
        },
        {"SERVICE": "WMS", "REQUEST": "GetMap", "DPI": "not a number"},  # QGIS says what is wrong
        {"SERVICE": "WCS", "REQUEST": "GetCoverage", "WIDTH": "1000", "HEIGHT": "800"},
        {"SERVICE": "WFS", "REQUEST": "GetFeature", "WIDTH": "99999"},
    ],
)
def test_requests_within_the_limits_pass(parameters: dict[str, str]) -> None:
    assert limit_violation(parameters, LIMITS) is None


def test_unset_wms_size_limits_mean_no_limit() -> None:
    limits = Limits.from_environment({"STACK_WMS_MAX_DPI": "600"})

    assert limits.wms_max_width is None
    assert limit_violation({"SERVICE": "WMS", "WIDTH": "99999", "DPI": "600"}, limits) is None


@pytest.mark.parametrize(
    ("parameters", "path", "locator"),
    [
        ({}, "/ows/demo", "SERVICE"),
        ({"REQUEST": "GetCapabilities"}, "/ows/demo", "SERVICE"),
        ({"SERVICE": "NOPE", "REQUEST": "GetCapabilities"}, "/ows/demo", "SERVICE"),
        ({"SERVICE": "WMS"}, "/ows/demo/", "REQUEST"),
        ({"SERVICE": "WFS", "REQUEST": " "}, "/ows/demo", "REQUEST"),
        ({"SERVICE": "WMS", "REQUEST": "GetMap"}, "/ows/demo", "VERSION"),
        ({"REQUEST": "GetMap"}, "/ows/demo", "VERSION"),
    ],
)
def test_incomplete_requests_are_named(parameters: dict[str, str], path: str, locator: str) -> None:
    missing = missing_operation(parameters, path, lambda name: name.upper() in KNOWN)

    assert missing is not None
    assert missing[1] == locator


@pytest.mark.parametrize(
    ("parameters", "path"),
    [
        ({}, "/ows/demo/wfs3/collections"),  # OGC API: no SERVICE there
        ({"SERVICE": "WMS", "REQUEST": "GetCapabilities"}, "/ows/demo"),
        ({"SERVICE": "wms", "REQUEST": "GetMap", "WMTVER": "1.0.0"}, "/ows/demo"),
        ({"SERVICE": "WFS", "REQUEST": "GetFeature"}, "/ows/demo"),
        ({"SERVICE": "WMS", "REQUEST": "GetSchemaExtension"}, "/ows/demo"),
        ({"SERVICE": "STACKINFO", "REQUEST": "GetInfo"}, "/ows/health"),
    ],
)
def test_complete_requests_and_apis_pass(parameters: dict[str, str], path: str) -> None:
    assert missing_operation(parameters, path, lambda name: name.upper() in KNOWN) is None
