"""QGIS Server plugin: a text or image mark in the corner of WMS GetMap images."""


def serverClassFactory(server_iface):  # noqa: N802 (name fixed by QGIS)
    from .plugin import WatermarkPlugin

    return WatermarkPlugin(server_iface)
