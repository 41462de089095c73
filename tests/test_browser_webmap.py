"""The web page at / in a real browser (headless Chromium): what a person sees and clicks.

The page builds its layer list from the role's own WMS capabilities, so each role is
checked against what the stack tells that role, whatever access/rules.yaml says.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlparse

import pytest
import requests
from PIL import Image

from stack.browser.page import BrowserPage
from stack.harness.handle import StackHandle
from stack.harness.images import RGB
from stack.harness.ows import wms_client
from tests.demo import LAND, OCEAN

pytestmark = pytest.mark.browser

COLOUR_TOLERANCE = 8  # antialiasing and PNG palettes shift fills by a few levels
BRAZIL = (-55.0, -10.0)  # (lon, lat) well inside Brazil (tests/demo.py INLAND)
MAP_DRAWN = "document.body.dataset.rendered && !document.querySelector('#status').textContent"
PROJECTS_SHOWN = "document.querySelector('#projects').getAttribute('aria-busy') === 'false'"


def role_layers(handle: StackHandle) -> set[str]:
    """The named leaf layers of the role's WMS capabilities: all a page may show it."""
    contents = wms_client(handle).contents
    return {name for name, layer in contents.items() if not layer.layers}


def open_map(page: BrowserPage, handle: StackHandle) -> None:
    page.goto(f"{handle.base_url}/map?project={handle.project}")
    assert page.wait_for(MAP_DRAWN), f"the map never finished drawing: {page.errors()}"


def map_image(page: BrowserPage) -> Image.Image:
    box = page.evaluate("(() => { const r = document.querySelector('#map').getBoundingClientRect();"
                        " return [r.x, r.y, r.right, r.bottom]; })()")  # fmt: skip
    return page.screenshot().crop(tuple(int(v) for v in box))


def share_of(image: Image.Image, colour: RGB) -> float:
    close = sum(
        count
        for count, pixel in image.getcolors(image.width * image.height) or []
        if all(abs(a - b) <= COLOUR_TOLERANCE for a, b in zip(pixel, colour, strict=True))
    )
    return close / (image.width * image.height)


def redraws(page: BrowserPage) -> int:
    return int(page.evaluate("Number(document.body.dataset.rendered || 0)"))


def test_landing_page_lists_the_project_with_a_preview_and_live_links(browser_page, stack):
    browser_page.goto(f"{stack.base_url}/")
    assert browser_page.wait_for(PROJECTS_SHOWN)
    cards = browser_page.evaluate(
        "Array.from(document.querySelectorAll('.project')).map(s => ({project: s.dataset.project,"
        " preview: s.querySelector('img').complete && s.querySelector('img').naturalWidth,"
        " links: Array.from(s.querySelectorAll('a')).map(a => a.href)}))"
    )
    assert browser_page.wait_for(
        "Array.from(document.querySelectorAll('.project img')).every(i => i.complete && i.naturalWidth > 0)"
    ), "a project preview did not load"
    demo = next(card for card in cards if card["project"] == stack.project)
    assert len(demo["links"]) == 6  # viewer, WMS, WMTS, WFS, WCS, OGC API Features
    for link in demo["links"]:
        assert requests.get(link, auth=stack.auth, timeout=30).status_code == 200, link
    assert browser_page.errors() == []


def test_map_shows_the_demo_colours_without_console_errors(browser_page, stack, request):
    open_map(browser_page, stack)
    image = map_image(browser_page)
    folder = request.config.rootpath / "reports" / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / "map-demo.png")  # what a person sees, kept for the record
    assert len(image.getcolors(1 << 24) or []) > 50, "the map canvas is (nearly) blank"
    assert share_of(image, OCEAN) > 0.2, "the ocean's blue is missing"
    assert share_of(image, LAND) > 0.05, "the countries' beige is missing"
    assert browser_page.errors() == []


def test_layer_switcher_hides_a_layer(browser_page, stack):
    open_map(browser_page, stack)
    before = share_of(map_image(browser_page), LAND)
    drawn = redraws(browser_page)
    browser_page.click_element("input[data-layer='countries']")
    assert browser_page.wait_for(f"Number(document.body.dataset.rendered) > {drawn}")
    after = share_of(map_image(browser_page), LAND)
    assert before > 0.05
    assert after < before / 20, f"countries still drawn after unticking them ({before:.3f} → {after:.3f})"
    assert browser_page.evaluate("document.querySelector(\"input[data-layer='countries']\").checked") is False
    assert browser_page.errors() == []


def test_a_click_on_a_country_shows_its_name(browser_page, stack):
    open_map(browser_page, stack)
    x, y = browser_page.evaluate(
        f"(() => {{ const p = stackMap.getPixelFromCoordinate({json.dumps(BRAZIL)});"
        " const r = document.querySelector('#map').getBoundingClientRect();"
        " return [r.x + p[0], r.y + p[1]]; })()"
    )
    browser_page.click(x, y)
    # Places and provinces near the click may be listed too; the country must be.
    country = (
        "Array.from(document.querySelectorAll('#info table'))"
        ".filter(t => t.caption.textContent === 'Countries').map(t => t.textContent).join(' ')"
    )
    assert browser_page.wait_for(f"{country}.includes('Brazil')"), (
        f"feature info shows: {browser_page.evaluate('document.querySelector(`#info`).textContent')!r}"
    )
    assert browser_page.errors() == []


@pytest.mark.parametrize("role", ["anonymous", "partner", "editor"])
def test_each_role_sees_and_draws_only_its_own_layers(role, chromium, request):
    from stack.browser.fixtures import open_page

    handle = request.getfixturevalue("stack_anonymous" if role == "anonymous" else f"stack_as_{role}")
    allowed = role_layers(handle)
    page = open_page(chromium, handle)
    try:
        open_map(page, handle)
        listed = set(
            page.evaluate("Array.from(document.querySelectorAll('#layers input')).map(i => i.dataset.layer)")
        )
        assert listed == allowed
        named = set()
        for url in page.requested_urls():
            for key, value in parse_qsl(urlparse(url).query):
                if key.upper() in ("LAYERS", "LAYER", "QUERY_LAYERS"):
                    named.update(value.split(","))
        assert named and named <= allowed, (
            f"the page asked for layers the role may not see: {named - allowed}"
        )
        assert page.errors() == []
    finally:
        page.close()


def test_partner_page_never_lists_observations(chromium, stack_as_partner):
    """The demo's rules hide field notes from partners (access/rules.yaml)."""
    from stack.browser.fixtures import open_page

    page = open_page(chromium, stack_as_partner)
    try:
        open_map(page, stack_as_partner)
        assert "Observations" not in page.evaluate("document.querySelector('#layers').textContent")
        page.goto(f"{stack_as_partner.base_url}/")
        assert page.wait_for(PROJECTS_SHOWN)
        assert "Observations" not in page.evaluate("document.querySelector('#projects').textContent")
    finally:
        page.close()


def test_the_project_list_names_projects_and_nothing_else(stack_anonymous):
    """The page's /projects.json is public: names only, none of stack_info's paths or pids."""
    report = requests.get(f"{stack_anonymous.base_url}/projects.json", timeout=30).json()
    assert set(report) == {"healthy", "projects"}
    assert stack_anonymous.project in report["projects"]
    assert all("/" not in name for name in report["projects"])
