"""QGIS Server plugin: per-role layer access (visibility, row filter, attributes, WFS-T)."""


def serverClassFactory(server_iface):  # noqa: N802 (name fixed by QGIS)
    from .plugin import StackAccessPlugin

    return StackAccessPlugin(server_iface)
