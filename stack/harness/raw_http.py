"""HTTP requests that no client library sends: HTTP/1.0 without a Host header."""

from __future__ import annotations

import base64
import os
import socket
import ssl
from urllib.parse import urlsplit

from stack.harness.handle import TIMEOUT_S, StackHandle


def http10_get(stack: StackHandle, path_and_query: str) -> tuple[int, bytes]:
    """GET over HTTP/1.0 with no Host header, as `stack`'s role; (status, body)."""
    address = urlsplit(stack.base_url)
    lines = [f"GET {path_and_query} HTTP/1.0"]
    if stack.auth:
        token = base64.b64encode(":".join(stack.auth).encode()).decode()
        lines.append(f"Authorization: Basic {token}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    https = address.scheme == "https"
    port = address.port or (443 if https else 80)
    with socket.create_connection((address.hostname, port), timeout=TIMEOUT_S) as plain:
        connection = plain
        if https:  # the CA requests trusts (--ca-bundle sets it); SNI names the host, no Host does
            context = ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE"))
            connection = context.wrap_socket(plain, server_hostname=address.hostname)
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body
