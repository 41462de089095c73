"""Label values a client cannot multiply: each label takes values from a fixed set.

SERVICE and REQUEST come from the client; used as label values verbatim, one client could
create a time series per request and exhaust the exporter's memory and Prometheus'. Known
names keep their OGC spelling whatever case the client used; anything else is "other".
Projects are bounded already (nginx answers 404 for a project without a file).
"""

from __future__ import annotations

SERVICES = ("WMS", "WFS", "WCS", "WMTS", "WFS3", "STACKINFO")
REQUESTS = (
    "GetCapabilities", "GetMap", "GetFeatureInfo", "GetLegendGraphic", "GetPrint", "GetStyles",
    "DescribeLayer", "GetSchemaExtension", "GetProjectSettings", "GetFeature", "DescribeFeatureType",
    "Transaction", "DescribeCoverage", "GetCoverage", "GetTile", "GetInfo",
)  # fmt: skip
OTHER = "other"
NONE = ""  # OGC API requests have no REQUEST parameter
MAX_PROJECT = 100

_SERVICE_BY_KEY = {name.upper(): name for name in SERVICES}
_REQUEST_BY_KEY = {name.upper(): name for name in REQUESTS}


def service_label(value: object) -> str:
    text = str(value or "")
    return _SERVICE_BY_KEY.get(text.upper(), OTHER if text else NONE)


def request_label(value: object) -> str:
    text = str(value or "")
    return _REQUEST_BY_KEY.get(text.upper(), OTHER if text else NONE)


def code_label(value: object) -> str:
    return str(value) if isinstance(value, int) and 100 <= value <= 599 else OTHER


def project_label(value: object) -> str:
    text = str(value or "")
    ok = text and len(text) <= MAX_PROJECT and all(c.isalnum() or c in "_-" for c in text)
    return text if ok else OTHER
