"""pytest fixtures for the browser tests (marker `browser`): Debian's chromium, headless,
and a page per test that signs in as the stack handle's role. A failed test leaves what the
browser showed in reports/browser/<test>.png."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest

from stack.browser.chromium import RunningBrowser, chromium_binary, headless_chromium
from stack.browser.page import BrowserPage
from stack.browser.trust import chromium_trust_flags
from stack.core.errors import StackError
from stack.harness.handle import StackHandle


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """A failed browser test keeps what the page showed, and its report says where."""
    report = yield
    page = getattr(item, "funcargs", {}).get("browser_page")
    if report.when == "call" and report.failed and isinstance(page, BrowserPage):
        folder = item.config.rootpath / "reports" / "browser"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name) + ".png")
        try:
            page.screenshot().save(path)
            report.sections.append(("browser", f"screenshot of the failed page: {path}"))
        except Exception as error:  # a dead browser must not hide the test's own failure
            report.sections.append(("browser", f"no screenshot: {error}"))
    return report


@pytest.fixture(scope="session")
def chromium(stack_session: StackHandle) -> Iterator[RunningBrowser]:
    try:
        binary = chromium_binary()
        flags = chromium_trust_flags(stack_session.base_url)
    except StackError as error:
        pytest.fail(str(error))
    with headless_chromium(binary, flags) as browser:
        yield browser


def open_page(browser: RunningBrowser, handle: StackHandle) -> BrowserPage:
    headers = {}
    if handle.auth:
        token = base64.b64encode(":".join(handle.auth).encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return BrowserPage.open(browser.devtools_url, headers)


@pytest.fixture
def browser_page(
    request: pytest.FixtureRequest, chromium: RunningBrowser, stack: StackHandle
) -> Iterator[BrowserPage]:
    """A fresh page with the role of `stack` (override `stack` in a module for another role)."""
    page = open_page(chromium, stack)
    yield page
    page.close()
