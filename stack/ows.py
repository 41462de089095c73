"""OGC request helpers: OWSLib clients, raw requests, and ServiceException parsing."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from lxml import etree
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService

from stack.handle import StackHandle

TIMEOUT_S = 60


def wms_client(stack: StackHandle, version: str = "1.3.0") -> WebMapService:
    return WebMapService(stack.ows_url(), version=version, timeout=TIMEOUT_S)


def wfs_client(stack: StackHandle, version: str = "1.1.0") -> WebFeatureService:
    # QGIS Server has no WFS 2.0: 1.1.0 and 1.0.0 only.
    return WebFeatureService(stack.ows_url(), version=version, timeout=TIMEOUT_S)


def ows_get(
    stack: StackHandle, params: dict[str, str], project: str | None = None, **kwargs
) -> requests.Response:
    """A raw GET on the OWS endpoint, for what OWSLib cannot send or would hide."""
    return requests.get(stack.ows_url(project), params=params, timeout=TIMEOUT_S, **kwargs)


@dataclass(frozen=True)
class ServiceException:
    code: str
    text: str


def service_exception(body: bytes) -> ServiceException | None:
    """The first ServiceException in an OGC exception report (any version), else None."""
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError:
        return None
    for element in root.iter():
        local = etree.QName(element).localname
        if local in ("ServiceException", "Exception"):
            code = element.get("code") or element.get("exceptionCode") or ""
            text = " ".join(t.strip() for t in element.itertext() if t.strip())
            return ServiceException(code=code, text=text)
    return None
