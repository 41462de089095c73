"""QGIS Server plugin: GetFeatureInfo defaults (FI_POINT_TOLERANCE) and JSON enrichment."""


def serverClassFactory(server_iface):  # noqa: N802 (name fixed by QGIS)
    from .plugin import FeatureInfoPlugin

    return FeatureInfoPlugin(server_iface)
