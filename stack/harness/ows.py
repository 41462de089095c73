"""OGC request helpers: OWSLib clients, raw requests, and ServiceException parsing."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

import requests
from lxml import etree
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService

from stack.harness.handle import StackHandle

TIMEOUT_S = 60


def _credentials(stack: StackHandle) -> dict[str, str]:
    return {"username": stack.auth[0], "password": stack.auth[1]} if stack.auth else {}


def wms_client(stack: StackHandle, version: str = "1.3.0") -> WebMapService:
    return WebMapService(stack.ows_url(), version=version, timeout=TIMEOUT_S, **_credentials(stack))


def wfs_client(stack: StackHandle, version: str = "1.1.0") -> WebFeatureService:
    # QGIS Server has no WFS 2.0: 1.1.0 and 1.0.0 only.
    return WebFeatureService(stack.ows_url(), version=version, timeout=TIMEOUT_S, **_credentials(stack))


def ows_get(
    stack: StackHandle, params: dict[str, str], project: str | None = None, **kwargs
) -> requests.Response:
    """A raw GET on the OWS endpoint, for what OWSLib cannot send or would hide."""
    return requests.get(stack.ows_url(project), params=params, timeout=TIMEOUT_S, auth=stack.auth, **kwargs)


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


def ows_post(
    stack: StackHandle, body: bytes, params: dict[str, str], project: str | None = None
) -> requests.Response:
    """A raw POST of an XML request body (WFS-T), with SERVICE/REQUEST in the query string."""
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    return requests.post(
        stack.ows_url(project), params=params, data=body, headers=headers, timeout=TIMEOUT_S, auth=stack.auth
    )


def oapif_url(stack: StackHandle, path: str = "", project: str | None = None) -> str:
    """A URL of QGIS Server's OGC API Features (which QGIS calls WFS3) under the project."""
    return f"{stack.ows_url(project)}/wfs3{path}"


def oapif_get(
    stack: StackHandle, path: str, params: dict[str, str] | None = None, project: str | None = None
) -> requests.Response:
    """A raw GET on OGC API Features asking for JSON, for what OWSLib's Features cannot show."""
    return requests.get(
        oapif_url(stack, path, project),
        params=params,
        headers={"Accept": "application/json"},
        timeout=TIMEOUT_S,
    )


def get_verbatim(url: str) -> tuple[int, bytes]:
    """GET exactly this URL: requests would normalise percent-encoding (%4D → M)."""
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
