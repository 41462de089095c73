"""A small Chrome DevTools Protocol client: commands and the events that matter to tests."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests
import websocket

COMMAND_TIMEOUT_S = 30


@dataclass
class DevToolsSession:
    """One page target. Events arrive while we wait for answers; they are kept in order."""

    socket: websocket.WebSocket
    close_url: str
    events: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def open_page(cls, devtools_url: str) -> DevToolsSession:
        """A new tab of its own, so no header or state of another test carries over."""
        target = requests.put(f"{devtools_url}/json/new?about:blank", timeout=10).json()
        # Chromium refuses DevTools websockets that carry an Origin it was not told to allow.
        socket = websocket.create_connection(
            target["webSocketDebuggerUrl"], timeout=COMMAND_TIMEOUT_S, suppress_origin=True
        )
        return cls(socket, f"{devtools_url}/json/close/{target['id']}")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        command_id = next(self._ids)
        self.socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            if message.get("id") == command_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)
        raise TimeoutError(f"{method}: no answer within {COMMAND_TIMEOUT_S} s")

    def close(self) -> None:
        self.socket.close()
        requests.get(self.close_url, timeout=10)
