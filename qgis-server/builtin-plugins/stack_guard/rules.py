"""Which request parameters are refused, and why: plain logic, testable without QGIS."""

from __future__ import annotations

from collections.abc import Mapping

LAYER_PARAMETERS = ("LAYERS", "LAYER", "QUERY_LAYERS")


def refused_parameter(parameters: Mapping[str, str]) -> tuple[str, str] | None:
    """(parameter, reason) for the first refused parameter, or None when all are fine.

    QGIS has already decoded the names, whether they came in the query string or in a
    form-encoded POST body, so `%4DAP` and `map` both arrive here as MAP.
    """
    upper = {name.upper(): value for name, value in parameters.items()}
    if "MAP" in upper:
        return "MAP", "the project is chosen by the URL path /ows/<project>"
    if "SLD" in upper:
        return "SLD", "the server does not fetch styles from URLs; send SLD_BODY"
    for name in LAYER_PARAMETERS:
        if "EXTERNAL_WMS:" in upper.get(name, "").upper():
            return name, "the server does not fetch remote (EXTERNAL_WMS) layers"
    return None
