"""QGIS Server plugin built into the image: refuse client-chosen projects and sources."""


def serverClassFactory(server_iface):  # noqa: N802 (name fixed by QGIS)
    from .guard import StackGuardPlugin

    return StackGuardPlugin(server_iface)
