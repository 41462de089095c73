"""The names a rules file may use for a layer, on QGIS 3.22 and 3.40 alike."""

from __future__ import annotations

from qgis.core import QgsMapLayer


def short_name(layer: QgsMapLayer) -> str:
    # QGIS 3.38 moved the short name into serverProperties(); 3.22 has serverProperties()
    # too, but without shortName().
    properties = layer.serverProperties() if hasattr(layer, "serverProperties") else None
    if properties is not None and hasattr(properties, "shortName"):
        return properties.shortName()
    return layer.shortName()


def layer_names(layer: QgsMapLayer) -> list[str]:
    """Most specific first: the WMS/WFS name (short name, when set), the name, the id."""
    return [name for name in (short_name(layer), layer.name(), layer.id()) if name]
