"""QGIS Server plugin built into the image: load the served projects at worker start."""


def serverClassFactory(server_iface):  # noqa: N802 (name fixed by QGIS)
    from .preload import PreloadPlugin

    return PreloadPlugin(server_iface)
