"""Layer name → title for the served project, on QGIS 3.22 and 3.40 alike."""

from __future__ import annotations

from qgis.core import QgsMapLayer, QgsProject


def layer_titles(project: QgsProject) -> dict[str, str]:
    """Keyed by every name a GetFeatureInfo feature id may start with: short name, name, id."""
    titles: dict[str, str] = {}
    for layer in project.mapLayers().values():
        short, title = short_name_and_title(layer)
        for name in (short, layer.name(), layer.id()):
            if name:
                titles.setdefault(name, title or layer.name())
    return titles


def short_name_and_title(layer: QgsMapLayer) -> tuple[str, str]:
    # QGIS 3.38 moved both into serverProperties(); 3.22 has serverProperties() too, but
    # without them.
    properties = layer.serverProperties() if hasattr(layer, "serverProperties") else None
    if properties is not None and hasattr(properties, "shortName"):
        return properties.shortName(), properties.title()
    return layer.shortName(), layer.title()
