"""The stack under test, as one role sees it: every request of the harness goes through here.

A handle carries where the stack answers, the project, and the role's credentials. Its
methods add those credentials, the one request timeout, and a request id per request
(nginx passes it to QGIS and its logs), so a test that swaps `stack` for
`stack_as_partner` changes every request it makes, OWSLib's included.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import requests
from owslib.ogcapi.features import Features
from owslib.util import Authentication
from owslib.wcs import WebCoverageService
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService
from owslib.wmts import WebMapTileService

from stack.core.settings import Settings

# One limit for every request the harness makes: a GetPrint or a full WFS is the slowest.
TIMEOUT_S = 60
REQUEST_ID_PREFIX = "harness-"


@dataclass(frozen=True)
class StackHandle:
    base_url: str  # http://host:port, no trailing slash
    project: str  # the project the tests query by default
    settings: Settings | None  # None when remote: no Docker, no PostGIS access
    auth: tuple[str, str] | None = None  # HTTP basic credentials: the role nginx gives us

    @property
    def is_local(self) -> bool:
        return self.settings is not None

    @property
    def role(self) -> str:
        return self.auth[0] if self.auth else "anonymous"

    def as_user(self, user: str, password: str) -> StackHandle:
        return replace(self, auth=(user, password))

    def ows_url(self, project: str | None = None) -> str:
        return f"{self.base_url}/ows/{project or self.project}"

    def oapif_url(self, path: str = "", project: str | None = None) -> str:
        """A URL of QGIS Server's OGC API Features (which QGIS calls WFS3) under the project."""
        return f"{self.ows_url(project)}/wfs3{path}"

    @property
    def healthz_url(self) -> str:
        return f"{self.base_url}/healthz"

    def url(self, path: str) -> str:
        """An absolute URL for a path on the stack ('/healthz'); absolute URLs pass through."""
        return path if "://" in path else f"{self.base_url}{path}"

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """A request as this role: its credentials, the harness timeout and a request id.
        Pass `headers={"X-Request-Id": None}` to send none, `auth=…` to send other credentials."""
        headers = {"X-Request-Id": f"{REQUEST_ID_PREFIX}{uuid.uuid4().hex}", **kwargs.pop("headers", {})}
        kwargs.setdefault("auth", self.auth)
        kwargs.setdefault("timeout", TIMEOUT_S)
        return requests.request(method, self.url(url), headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def wms(self, version: str = "1.3.0") -> WebMapService:
        return _owslib_client(self, "WMS", version)

    def wfs(self, version: str = "1.1.0") -> WebFeatureService:
        # QGIS Server has no WFS 2.0: 1.1.0 and 1.0.0 only.
        return _owslib_client(self, "WFS", version)

    def wcs(self, version: str = "1.0.0") -> WebCoverageService:
        return _owslib_client(self, "WCS", version)

    def wmts(self, version: str = "1.0.0") -> WebMapTileService:
        return _owslib_client(self, "WMTS", version)

    def features(self) -> Features:
        """OWSLib's OGC API Features client (QGIS's "WFS3") for the project, as this role."""
        auth = Authentication(*self.auth) if self.auth else None
        return Features(self.oapif_url(), timeout=TIMEOUT_S, auth=auth)


_OWSLIB = {
    "WMS": WebMapService,
    "WFS": WebFeatureService,
    "WCS": WebCoverageService,
    "WMTS": WebMapTileService,
}


@cache
def _owslib_client(stack: StackHandle, service: str, version: str) -> Any:
    """OWSLib reads the capabilities when it is made: one client per role, service and version."""
    auth = Authentication(*stack.auth) if stack.auth else None
    return _OWSLIB[service](stack.ows_url(), version=version, timeout=TIMEOUT_S, auth=auth)
