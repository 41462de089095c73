"""OGC requests as the tests write them, and ServiceException parsing.

Every function takes the handle of the role making the request and goes through it
(stack.harness.handle): credentials, timeout and request id come from there.
"""

from __future__ import annotations

import os
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import requests
from lxml import etree
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService

from stack.harness.handle import TIMEOUT_S, StackHandle


def wms_client(stack: StackHandle, version: str = "1.3.0") -> WebMapService:
    return stack.wms(version)


def wfs_client(stack: StackHandle, version: str = "1.1.0") -> WebFeatureService:
    return stack.wfs(version)


def ows_get(
    stack: StackHandle, params: dict[str, str], project: str | None = None, **kwargs: Any
) -> requests.Response:
    """A raw GET on the OWS endpoint, for what OWSLib cannot send or would hide."""
    return stack.get(stack.ows_url(project), params=params, **kwargs)


def ows_post(
    stack: StackHandle, body: bytes, params: dict[str, str], project: str | None = None
) -> requests.Response:
    """A raw POST of an XML request body (WFS-T), with SERVICE/REQUEST in the query string."""
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    return stack.post(stack.ows_url(project), params=params, data=body, headers=headers)


def oapif_url(stack: StackHandle, path: str = "", project: str | None = None) -> str:
    return stack.oapif_url(path, project)


def oapif_get(
    stack: StackHandle, path: str, params: dict[str, str] | None = None, project: str | None = None
) -> requests.Response:
    """A raw GET on OGC API Features asking for JSON, for what OWSLib's Features cannot show."""
    return stack.get(stack.oapif_url(path, project), params=params, headers={"Accept": "application/json"})


def get_verbatim(url: str, stack: StackHandle | None = None) -> tuple[int, bytes]:
    """GET exactly this URL (as `stack`'s role, anonymous without): requests would normalise
    percent-encoding (%4D → M)."""
    request = urllib.request.Request(url)
    # The CA requests trusts (--ca-bundle sets it), for an https deployment.
    https = urllib.request.HTTPSHandler(
        context=ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE"))
    )
    if stack is not None and stack.auth:
        password_manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
        password_manager.add_password(None, stack.base_url, *stack.auth, is_authenticated=True)
        opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(password_manager), https)
    else:
        opener = urllib.request.build_opener(https)
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


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
