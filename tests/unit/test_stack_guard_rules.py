"""stack_guard's rules: which parameters are refused before QGIS reads anything."""

import sys
from pathlib import Path

import pytest

GUARD = Path(__file__).resolve().parents[2] / "qgis-server" / "builtin-plugins" / "stack_guard"
sys.path.insert(0, str(GUARD))
from rules import refused_parameter  # noqa: E402 (needs the path above)


@pytest.mark.parametrize(
    ("parameters", "refused"),
    [
        ({"SERVICE": "WMS", "MAP": "/etc/passwd"}, "MAP"),
        ({"map": "postgresql://attacker/db"}, "MAP"),
        ({"MAP": ""}, "MAP"),
        ({"SLD": "http://example.org/style.sld"}, "SLD"),
        ({"LAYERS": "countries,EXTERNAL_WMS:remote"}, "LAYERS"),
        ({"query_layers": "external_wms:remote"}, "QUERY_LAYERS"),
    ],
)
def test_client_chosen_projects_and_sources_are_refused(parameters: dict[str, str], refused: str) -> None:
    result = refused_parameter(parameters)

    assert result is not None
    assert result[0] == refused
    assert result[1]  # a reason the client can act on


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {"SERVICE": "WMS", "REQUEST": "GetMap", "LAYERS": "countries,rivers"},
        {"SLD_BODY": "<StyledLayerDescriptor/>", "MAP0:EXTENT": "0,0,1,1"},
        {"LAYERS": "my_external_wms_copy"},
    ],
)
def test_ordinary_requests_pass(parameters: dict[str, str]) -> None:
    assert refused_parameter(parameters) is None
