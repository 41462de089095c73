"""QGIS Server plugin: the STACKINFO service used by the stack's health checks."""


def serverClassFactory(server_iface):  # noqa: N802 (name fixed by QGIS)
    from .plugin import StackInfoPlugin

    return StackInfoPlugin(server_iface)
