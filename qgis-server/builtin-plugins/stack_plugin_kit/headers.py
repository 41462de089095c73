"""Read request headers and the response status, whichever way QGIS Server runs."""

from __future__ import annotations

from qgis.server import QgsRequestHandler, QgsServerInterface


def request_header(server_iface: QgsServerInterface, name: str) -> str:
    """The header's value, stripped; "" when absent or outside a request.

    Embedded servers (and the in-process tests) pass headers in the request object. Under
    FastCGI, QGIS copies only the headers it knows (Host, X-Forwarded-*, Accept...) into
    the request; the others stay in the request's environment as HTTP_* variables, which
    getEnv() reads from the live environment (os.environ is a copy made at worker start).
    """
    handler = server_iface.requestHandler()
    if handler is None:
        return ""
    value = _lookup(handler.requestHeaders(), name)
    if value:
        return value.strip()
    return server_iface.getEnv("HTTP_" + name.upper().replace("-", "_")).strip()


def response_header(handler: QgsRequestHandler, name: str) -> str:
    """A header of the response being built ("" if unset); names are case-insensitive."""
    return _lookup(handler.responseHeaders(), name)


def response_status(handler: QgsRequestHandler) -> int:
    """The HTTP status the client gets. Under FastCGI, QGIS leaves it 0 until something
    sets it, and no Status header then means 200; embedded servers start at 200."""
    return handler.statusCode() or 200


def _lookup(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), "")
