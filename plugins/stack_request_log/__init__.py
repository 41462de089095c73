"""QGIS Server plugin: one JSON line per request (request id, what, status, duration)."""


def serverClassFactory(server_iface):  # noqa: N802 (name fixed by QGIS)
    from .plugin import RequestLogPlugin

    return RequestLogPlugin(server_iface)
