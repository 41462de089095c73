"""The web page in a headless Chromium, as a test sees it: load, evaluate, click, look."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from typing import Any

from PIL import Image

from stack.browser.cdp import DevToolsSession
from stack.core.waiting import wait_until


@dataclass
class BrowserPage:
    session: DevToolsSession

    @classmethod
    def open(cls, devtools_url: str, headers: dict[str, str] | None = None) -> BrowserPage:
        session = DevToolsSession.open_page(devtools_url)
        for domain in ("Page", "Runtime", "Log", "Network"):
            session.send(f"{domain}.enable")
        if headers:
            # Sent with every request of the page, as a browser does after a sign-in.
            session.send("Network.setExtraHTTPHeaders", headers=headers)
        return cls(session)

    def goto(self, url: str, timeout_s: float = 30) -> None:
        """Navigate and wait for the new document's load event (the old one is marked)."""
        self.evaluate("window.__stackLeaving = true")
        self.session.send("Page.navigate", url=url)
        loaded = "!window.__stackLeaving && document.readyState === 'complete'"
        if not self.wait_for(loaded, timeout_s):
            raise TimeoutError(f"{url} did not load within {timeout_s} s")

    def evaluate(self, expression: str) -> Any:
        result = self.session.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout_s: float = 30) -> bool:
        """Until the JavaScript expression is truthy in the page (an exception counts as false)."""
        guarded = f"(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()"
        return wait_until(lambda: bool(self.evaluate(guarded)), timeout_s, 0.2)

    def click(self, x: float, y: float) -> None:
        """A real left click at CSS pixel (x, y) of the viewport."""
        for kind in ("mousePressed", "mouseReleased"):
            self.session.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def click_element(self, selector: str) -> None:
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        self.click(*box)

    def screenshot(self) -> Image.Image:
        data = self.session.send("Page.captureScreenshot", format="png")["data"]
        return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads, in the order they came."""
        self.evaluate("0")  # flush events that arrived before this call
        found = []
        for event in self.session.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(f"exception: {details.get('exception', {}).get('description') or details}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a)) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.session.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        self.session.close()
