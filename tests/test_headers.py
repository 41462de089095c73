"""What clients tell QGIS about URLs, and what responses tell clients and caches.

- Forwarded/X-Forwarded-*/X-Qgis-*-Service-Url from a client that is not a trusted proxy
  (STACK_TRUSTED_PROXIES, empty by default) never reach QGIS: advertised URLs keep the
  Host the client used. A request without Host (HTTP/1.0) is told STACK_PUBLIC_HOST or
  localhost:<published port>, never the container's address.
- Cache-Control and Vary keep one role's answer from being served to another by a cache.
- Server does not name the QGIS version; SERVICE=STACKINFO is not public.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from stack.core.settings import REPO_ROOT
from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get
from stack.harness.raw_http import http10_get
from stack.harness.throwaway import healthy, plugin_folder

ROLES = ["stack_anonymous", "stack_as_partner", "stack_as_editor"]
EVIL = "evil.example"
SPOOFED_HEADERS = [
    pytest.param({"X-Forwarded-Host": EVIL}, id="x-forwarded-host"),
    pytest.param(
        {"x-forwarded-host": f"{EVIL}:8443", "X-Forwarded-Proto": "https"}, id="lower-case-with-proto"
    ),
    pytest.param({"Forwarded": f"host={EVIL};proto=https"}, id="forwarded"),
    pytest.param({"Forwarded": f'for=1.2.3.4;host="{EVIL}"'}, id="forwarded-quoted"),
    pytest.param({"X-Qgis-Service-Url": f"https://{EVIL}/x"}, id="x-qgis-service-url"),
    pytest.param({"X-Qgis-Wms-Service-Url": f"https://{EVIL}/wms"}, id="x-qgis-wms-service-url"),
    pytest.param({"X-QGIS-WFS-SERVICE-URL": f"https://{EVIL}/wfs"}, id="x-qgis-wfs-service-url"),
    pytest.param({"X-Qgis-Wcs-Service-Url": f"https://{EVIL}/wcs"}, id="x-qgis-wcs-service-url"),
    pytest.param({"X-Qgis-Wmts-Service-Url": f"https://{EVIL}/wmts"}, id="x-qgis-wmts-service-url"),
]
CAPABILITIES = [
    {"SERVICE": "WMS", "REQUEST": "GetCapabilities"},
    {"SERVICE": "WFS", "REQUEST": "GetCapabilities", "VERSION": "1.1.0"},
    {"SERVICE": "WCS", "REQUEST": "GetCapabilities"},
    {"SERVICE": "WMTS", "REQUEST": "GetCapabilities"},
]


@pytest.mark.parametrize("headers", SPOOFED_HEADERS)
@pytest.mark.parametrize("role", ["stack_anonymous", "stack_as_editor"])
def test_a_client_cannot_choose_the_advertised_urls(
    role: str, headers: dict[str, str], request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)
    for query in CAPABILITIES:
        response = stack.get(stack.ows_url(), params=query, headers=headers)
        assert response.status_code == 200, response.text[:300]
        assert EVIL.encode() not in response.content, query
        assert stack.ows_url().encode() in response.content, query
    links = stack.get(stack.oapif_url("/collections"), headers={**headers, "Accept": "application/json"})
    assert links.status_code == 200
    assert EVIL not in links.text
    # Links to the stack itself use the URL the client used (scheme, host and port).
    host = urlsplit(stack.base_url).hostname or ""
    own = [href for href in re.findall(r'"href"\s*:\s*"([^"]+)"', links.text) if host in href]
    assert own and all(href.startswith(stack.base_url) for href in own), own[:5]


@pytest.mark.smoke
def test_a_request_without_host_is_not_told_the_containers_address(stack_anonymous: StackHandle) -> None:
    status, body = http10_get(stack_anonymous, "/ows/demo?SERVICE=WMS&REQUEST=GetCapabilities")

    assert status == 200
    hosts = set(re.findall(rb'xlink:href="https?://([^/":]+)', body))
    assert hosts, body[:300]
    for host in hosts:
        try:
            address = ipaddress.ip_address(host.decode())
        except ValueError:
            continue  # a name: the configured public host or localhost
        assert address.is_loopback, f"advertised {address}: the container's address leaked"


@pytest.mark.parametrize("role", ROLES)
def test_answers_say_which_caches_may_keep_them_and_what_they_vary_on(
    role: str, request: pytest.FixtureRequest
) -> None:
    stack = request.getfixturevalue(role)
    responses = [
        ows_get(stack, {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}),
        ows_get(
            stack, {"SERVICE": "WFS", "REQUEST": "GetFeature", "TYPENAME": "countries", "MAXFEATURES": "1"}
        ),
        stack.get(stack.oapif_url("/collections"), headers={"Accept": "application/json"}),
        ows_get(stack, {"SERVICE": "WMS", "REQUEST": "NoSuchThing"}),
    ]
    for response in responses:
        cache_control = response.headers.get("Cache-Control", "")
        vary = {part.strip().lower() for part in response.headers.get("Vary", "").split(",")}
        assert "authorization" in vary, response.headers
        assert "no-cache" in cache_control
        if stack.auth:
            assert "private" in cache_control, response.headers  # never in a shared cache


def test_a_401_is_not_cached_either(stack_anonymous: StackHandle) -> None:
    response = ows_get(
        stack_anonymous, {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}, auth=("editor", "wrong")
    )

    assert response.status_code == 401
    assert "private" in response.headers.get("Cache-Control", "")
    assert "authorization" in response.headers.get("Vary", "").lower()


@pytest.mark.smoke
def test_the_server_header_does_not_name_the_qgis_version(stack_anonymous: StackHandle) -> None:
    for response in (
        ows_get(stack_anonymous, {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}),
        stack_anonymous.get(
            stack_anonymous.oapif_url("/collections"), headers={"Accept": "application/json"}
        ),
        stack_anonymous.get(stack_anonymous.healthz_url),
    ):
        server = response.headers.get("Server", "")  # requests joins repeated headers
        assert "qgis" not in server.lower(), server
        assert not re.search(r"\d+\.\d+", server), server


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "spelling",
    [
        {"SERVICE": "STACKINFO", "REQUEST": "GetInfo"},
        {"service": "stackinfo", "request": "getinfo"},
        {"Service": "StackInfo"},
    ],
    ids=["upper", "lower", "mixed"],
)
def test_stackinfo_is_not_public(role: str, spelling: dict[str, str], request: pytest.FixtureRequest) -> None:
    stack = request.getfixturevalue(role)
    for response in (ows_get(stack, spelling), stack.post(stack.ows_url(), data=spelling)):
        # QGIS matches service names case-sensitively: other spellings are no service at all.
        if spelling.get("SERVICE") == "STACKINFO":
            assert response.status_code == 403, response.text[:300]
        assert b"qgis_version" not in response.content and b"plugins" not in response.content


def throwaway_nginx(tmp_path: Path, start_qgis_server, start_nginx, **nginx_environment: str):
    """A throwaway stack (QGIS with stack_info and an empty project, and the stack's nginx)."""
    plugins = plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info")
    projects, access = tmp_path / "projects", tmp_path / "access"
    projects.mkdir()
    access.mkdir()
    (access / "users.map").write_text("")
    (access / "htpasswd").write_text("")
    qgis = start_qgis_server(plugins, projects)
    healthy(qgis, timeout_s=60)
    (projects / "empty.qgs").write_bytes(qgis.exec_run(["cat", "/usr/share/qgis-stack/health.qgs"]).output)
    for path in (projects, access, *access.iterdir(), *projects.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    nginx = start_nginx(qgis, projects, access, **nginx_environment)
    healthy(nginx, timeout_s=60)
    return nginx


def curl_inside(nginx, path: str, headers: dict[str, str]) -> str:
    """What a client inside the nginx container (address 127.0.0.1) gets."""
    command = ["curl", "-s", "-m", "30"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:8080{path}")
    return nginx.exec_run(command).output.decode(errors="replace")


def demo_capabilities_through_a_throwaway_nginx(
    tmp_path: Path, start_qgis_server, start_nginx, headers: dict[str, str], **nginx_environment: str
) -> str:
    """GetCapabilities of a throwaway stack, asked from inside its nginx (address 127.0.0.1)."""
    nginx = throwaway_nginx(tmp_path, start_qgis_server, start_nginx, **nginx_environment)
    return curl_inside(nginx, "/ows/empty?SERVICE=WMS&REQUEST=GetCapabilities", headers)


@pytest.mark.docker
def test_behind_a_trusted_proxy_the_full_report_goes_by_the_client_it_forwards(
    tmp_path: Path, start_qgis_server, start_nginx
) -> None:
    """A proxy in STACK_INFO_ALLOW must not hand the full report to every client behind it:
    nginx judges the address the trusted proxy appended to X-Forwarded-For."""
    nginx = throwaway_nginx(
        tmp_path,
        start_qgis_server,
        start_nginx,
        STACK_TRUSTED_PROXIES="127.0.0.1/32",
        STACK_INFO_ALLOW="127.0.0.1 10.9.9.9",
    )

    allowed = curl_inside(nginx, "/healthz", {"X-Forwarded-For": "203.0.113.7, 10.9.9.9"})
    public = curl_inside(nginx, "/healthz", {"X-Forwarded-For": "10.9.9.9, 203.0.113.7"})
    the_proxy_itself = curl_inside(nginx, "/healthz", {})

    assert '"worker"' in allowed
    assert json.loads(public) == {"healthy": True}
    assert '"worker"' in the_proxy_itself


@pytest.mark.docker
def test_a_trusted_proxy_does_choose_the_advertised_urls(
    tmp_path: Path, start_qgis_server, start_nginx
) -> None:
    forwarded = {"X-Forwarded-Host": "maps.example.org", "X-Forwarded-Proto": "https"}

    trusted = demo_capabilities_through_a_throwaway_nginx(
        tmp_path / "trusted", start_qgis_server, start_nginx, forwarded, STACK_TRUSTED_PROXIES="127.0.0.1/32"
    )

    assert "https://maps.example.org/ows/empty" in trusted
