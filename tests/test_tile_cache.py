"""nginx's tile cache: a tile is stored per role, never served to another role, marked
public or private for downstream caches, made stale by changed rules, projects or
`make cache-clear`, and nothing a client sends can store an answer that another request
would then get (errors, HEAD, bodies, Host, refused parameters). Each test asks for tiles
no other test asks for (a SALT parameter QGIS ignores), so it starts from a miss."""

from __future__ import annotations

import os
import uuid

import docker
import pytest
import requests

from stack.bench.workloads import tile_bbox
from stack.core.waiting import wait_until
from stack.deploy.reload import reload
from stack.deploy.tile_cache import clear, settled
from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get, ows_post
from stack.harness.wfst import post_transaction, transaction, update
from tests.demo import EDITABLE_LAYER

pytestmark = pytest.mark.docker  # the watcher is asked inside the nginx container

STALE_WITHIN_S = 20  # the watcher looks every 2 s; nginx reloads within a second
# Central Europe at zoom 4 (places are drawn from there on), places only: the partner sees
# cities over 1 million, the public over 5 million (access/rules.yaml): their tiles differ.
EUROPE_Z4 = (4, 8, 5)


@pytest.fixture(autouse=True)
def settled_cache(stack_session: StackHandle, docker_client: docker.DockerClient) -> None:
    """Each test starts once the watcher has nothing pending: a fresh stack's demo project is
    written after nginx starts, and other tests change rules or data."""
    assert stack_session.settings is not None
    name = stack_session.settings.project_name
    assert wait_until(lambda: settled(docker_client, name), STALE_WITHIN_S), "the tile cache never settled"


# countries: every role may see it on every version (3.22 refuses the root group "demo" to a
# role that may not see one of its layers).
def tile(zoom: int = 5, x: int = 16, y: int = 10, layers: str = "countries") -> dict[str, str]:
    return {
        "SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": layers, "STYLES": "",
        "CRS": "EPSG:3857", "BBOX": tile_bbox(zoom, x, y), "WIDTH": "256", "HEIGHT": "256",
        "FORMAT": "image/png", "SALT": uuid.uuid4().hex,
    }  # fmt: skip


def wmts_tile() -> dict[str, str]:
    return {
        "SERVICE": "WMTS", "VERSION": "1.0.0", "REQUEST": "GetTile", "LAYER": "demo", "STYLE": "",
        "TILEMATRIXSET": "EPSG:3857", "TILEMATRIX": "4", "TILEROW": "5", "TILECOL": "8",
        "FORMAT": "image/png", "SALT": uuid.uuid4().hex,
    }  # fmt: skip


def cache_status(stack: StackHandle, params: dict[str, str], **kwargs: object) -> str:
    response = ows_get(stack, params, **kwargs)
    assert response.status_code == 200, response.text[:300]
    return response.headers.get("X-Cache-Status", "")


def stored(stack: StackHandle, params: dict[str, str]) -> requests.Response:
    """Ask twice; the second answer must come from the cache."""
    first = ows_get(stack, params)
    assert (first.status_code, first.headers.get("X-Cache-Status")) == (200, "MISS"), first.text[:300]
    second = ows_get(stack, params)
    assert second.headers.get("X-Cache-Status") == "HIT"
    assert second.content == first.content
    return second


def test_an_anonymous_tile_is_stored_once_and_not_private_downstream(stack_anonymous: StackHandle) -> None:
    hit = stored(stack_anonymous, tile())

    assert hit.headers["Content-Type"].startswith("image/png")
    assert "private" not in hit.headers["Cache-Control"]
    assert "Authorization" in hit.headers["Vary"]


def test_a_wmts_tile_is_stored_once(stack: StackHandle) -> None:
    # WMTS offers the whole project (the root group) as its one layer: the full-view role.
    hit = stored(stack, wmts_tile())

    assert hit.headers["Content-Type"].startswith("image/png")
    assert "private" in hit.headers["Cache-Control"]


def test_a_partner_tile_is_private_downstream(stack_as_partner: StackHandle) -> None:
    hit = stored(stack_as_partner, tile())

    assert "private" in hit.headers["Cache-Control"]
    assert "Authorization" in hit.headers["Vary"]


@pytest.mark.parametrize("first_role", ["anonymous", "partner"])
def test_anonymous_and_partner_never_get_each_others_tiles(
    stack_anonymous: StackHandle, stack_as_partner: StackHandle, first_role: str
) -> None:
    roles = {"anonymous": stack_anonymous, "partner": stack_as_partner}
    order = [first_role, *(r for r in roles if r != first_role)]
    params = tile(*EUROPE_Z4, layers="places")
    seen = {}
    for role in order:
        response = ows_get(roles[role], params)
        assert response.headers["X-Cache-Status"] == "MISS", f"{role} was served another role's tile"
        seen[role] = response.content
    # The test means something only if the roles' tiles differ.
    assert seen["anonymous"] != seen["partner"]
    for role in order:
        again = ows_get(roles[role], params)
        assert again.headers["X-Cache-Status"] == "HIT"
        assert again.content == seen[role]
        # What the cache keeps for a role is what QGIS renders for that role.
        fresh = ows_get(roles[role], {**params, "SALT": uuid.uuid4().hex})
        assert fresh.content == seen[role]


def test_requests_other_than_tiles_are_not_cached(stack_anonymous: StackHandle) -> None:
    salt = uuid.uuid4().hex
    for params in (
        {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetCapabilities", "SALT": salt},
        {"SERVICE": "WMTS", "VERSION": "1.0.0", "REQUEST": "GetCapabilities", "SALT": salt},
        {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetLegendGraphic", "LAYER": "countries",
         "FORMAT": "image/png", "SALT": salt},
    ):  # fmt: skip
        for _ in range(2):
            response = ows_get(stack_anonymous, params)
            assert response.status_code == 200, response.text[:300]
            assert "X-Cache-Status" not in response.headers


def test_a_service_exception_is_not_stored(stack_anonymous: StackHandle) -> None:
    params = {**tile(), "LAYERS": "no_such_layer"}
    statuses = [ows_get(stack_anonymous, params).headers.get("X-Cache-Status") for _ in range(2)]

    assert "HIT" not in statuses


@pytest.mark.parametrize(
    "exceptions",
    ["application/vnd.ogc.se_inimage", "INIMAGE", "BLANK", "application%2Fvnd.ogc.se_inimage", "%49NIMAGE"],
)
def test_an_error_drawn_into_an_image_is_not_stored(stack_anonymous: StackHandle, exceptions: str) -> None:
    # A layer the public may not see: QGIS may draw the refusal into a 200 image.
    base = tile(layers="observations")
    url = stack_anonymous.ows_url() + "?" + "&".join(f"{k}={v}" for k, v in base.items())
    url += f"&EXCEPTIONS={exceptions}"
    statuses = [stack_anonymous.get(url).headers.get("X-Cache-Status", "") for _ in range(2)]

    assert statuses == ["BYPASS", "BYPASS"]


def test_a_head_request_does_not_store_an_empty_tile(stack_anonymous: StackHandle) -> None:
    params = tile()
    head = stack_anonymous.request("HEAD", stack_anonymous.ows_url(), params=params)
    assert head.status_code == 200
    assert head.headers.get("X-Cache-Status") == "BYPASS"

    hit = stored(stack_anonymous, params)
    assert hit.content.startswith(b"\x89PNG")
    # A HEAD of a stored tile is not answered from the cache either.
    assert (
        stack_anonymous.request("HEAD", stack_anonymous.ows_url(), params=params).headers.get(
            "X-Cache-Status"
        )
        == "BYPASS"
    )


def test_a_get_with_a_body_is_not_stored(stack_anonymous: StackHandle) -> None:
    params = tile()
    statuses = [
        ows_get(stack_anonymous, params, data=b"SERVICE=WMS").headers.get("X-Cache-Status") for _ in range(2)
    ]
    assert statuses == ["BYPASS", "BYPASS"]
    # … and the same request without a body starts from a miss.
    stored(stack_anonymous, params)


def test_another_host_gets_the_same_tile_and_plants_nothing(stack_anonymous: StackHandle) -> None:
    params = tile()
    hit = stored(stack_anonymous, params)
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        other = ows_get(stack_anonymous, params, headers=headers)
        assert other.headers["X-Cache-Status"] == "HIT"
        assert other.content == hit.content
    # Capabilities (which name the URL) are never stored, so a Host sent once is not
    # shown to the next client.
    caps = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetCapabilities", "SALT": uuid.uuid4().hex}
    ows_get(stack_anonymous, caps, headers={"Host": "evil.example"})
    assert b"evil.example" not in ows_get(stack_anonymous, caps).content


@pytest.mark.parametrize("refused", ["MAP=/etc/passwd", "map=x", "Map=x", "SLD=http://x/", "map0%3Asld=x"])
def test_a_refused_parameter_is_refused_even_for_a_stored_tile(
    stack_anonymous: StackHandle, refused: str
) -> None:
    params = tile()
    stored(stack_anonymous, params)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    base = stack_anonymous.ows_url()
    for url in (f"{base}?{query}&{refused}", f"{base}?{refused}&{query}"):
        response = stack_anonymous.get(url)
        assert response.status_code == 400, url
        assert response.headers.get("X-Cache-Status", "") != "HIT"


def stale_after(stack: StackHandle, params: dict[str, str]) -> bool:
    return wait_until(lambda: cache_status(stack, params) == "MISS", STALE_WITHIN_S)


def test_changed_access_rules_make_every_tile_stale(stack: StackHandle) -> None:
    params = tile()
    stored(stack, params)
    assert stack.settings is not None
    rules = stack.settings.access_dir / "rules.yaml"
    stat = rules.stat()
    os.utime(rules, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    assert stale_after(stack, params)


@pytest.mark.parametrize("where", ["query string", "body only"])
def test_a_wfs_transaction_makes_every_tile_stale(stack_as_editor: StackHandle, where: str) -> None:
    params = tile(layers=EDITABLE_LAYER)
    stored(stack_as_editor, params)
    # An update of no feature: a transaction QGIS accepts (200) that changes no row.
    body = transaction(update(EDITABLE_LAYER, [987654321], {"kind": "unchanged"}))
    if where == "query string":
        outcome = post_transaction(stack_as_editor, body)
        assert outcome.http_status == 200 and outcome.exception is None, outcome
    else:
        response = ows_post(stack_as_editor, body, {"SERVICE": "WFS", "VERSION": "1.1.0"})
        assert response.status_code == 200, response.text[:300]

    assert stale_after(stack_as_editor, params)


def test_cache_clear_makes_every_tile_stale(stack: StackHandle, docker_client: docker.DockerClient) -> None:
    params = tile()
    stored(stack, params)

    assert stack.settings is not None
    clear(docker_client, stack.settings.project_name)

    assert cache_status(stack, params) == "MISS"


def test_make_reload_keeps_the_stored_tiles(stack: StackHandle) -> None:
    params = tile()
    stored(stack, params)

    assert stack.settings is not None
    reload(stack.settings)

    assert cache_status(stack, params) == "HIT"
