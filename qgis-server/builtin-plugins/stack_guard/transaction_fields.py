"""The provider fields of the layer a WFS type name names, for the transaction check."""

from __future__ import annotations

from qgis.core import QgsVectorLayer
from qgis.server import QgsConfigCache


def _short_name(layer: QgsVectorLayer) -> str:
    # QGIS 3.40 keeps the short name in serverProperties(); 3.22 on the layer itself.
    properties = layer.serverProperties()
    return properties.shortName() if hasattr(properties, "shortName") else layer.shortName()


def _type_names(layer: QgsVectorLayer) -> set[str]:
    names = {layer.name(), layer.name().replace(" ", "_"), _short_name(layer)}
    return {name for name in names if name}


def layer_fields(config_path: str, type_name: str) -> frozenset[str] | None:
    """None when the project has no such vector layer: QGIS answers that itself."""
    # The same cache QGIS loads the project from right after this filter: no second load.
    project = QgsConfigCache.instance().project(config_path)
    if project is None:
        return None
    for layer in project.mapLayers().values():
        if isinstance(layer, QgsVectorLayer) and type_name in _type_names(layer):
            return frozenset(layer.dataProvider().fields().names())
    return None
