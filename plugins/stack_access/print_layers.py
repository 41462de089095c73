"""GetPrint draws what the role may see, and nothing else.

QGIS checks LAYERS against the access rules for GetMap, but a print's maps take their
layers from mapN:LAYERS, else from LAYERS, else from the layout's own map items (the map
theme a map follows, or the project's visible layers), and none of those is checked.
Here, before QGIS runs, every map of the layout gets an explicit mapN:LAYERS holding only
the layers the role may read (groups and the project's root name expanded into their
layers). A map whose layers the layout locks cannot be changed by a request: if it holds
a layer the role may not read, the print is refused.
"""

from __future__ import annotations

import re

from qgis.core import QgsLayerTreeGroup, QgsLayerTreeLayer, QgsLayoutItemMap, QgsMapLayer, QgsProject
from qgis.server import QgsConfigCache, QgsRequestHandler, QgsServerInterface, QgsServerProjectUtils
from stack_plugin_kit.server_settings import server_settings

from .layer_names import layer_names
from .rules import Rules

_NOISE = re.compile(r"[\x00-\x20\x7f]")


def _key(name: str) -> str:
    return _NOISE.sub("", name).upper()


def restrict_print_layers(
    server_iface: QgsServerInterface, handler: QgsRequestHandler, rules: Rules, role: str
) -> None:
    project = _project(server_iface)
    if project is None:
        return  # QGIS answers the missing project itself
    parameters = handler.parameterMap()
    by_name = {_key(key): key for key in parameters}
    template = parameters.get(by_name.get("TEMPLATE", ""), "")
    layout = project.layoutManager().layoutByName(template)
    if layout is None:
        return  # QGIS answers the unknown template itself
    layers = project.mapLayers().values()
    readable = {layer.id() for layer in layers if rules.rule_for(role, layer_names(layer)).visible}
    resolver = _Names(project)
    default = parameters.get(by_name.get("LAYERS", ""), "")
    maps = [item for item in layout.items() if isinstance(item, QgsLayoutItemMap)]
    for index, item in enumerate(maps):
        if item.keepLayerSet():
            hidden = [layer.name() for layer in item.layers() if layer.id() not in readable]
            if hidden:
                raise PermissionError(f"the print layout '{template}' shows a layer this role may not see")
            continue
        key = f"MAP{index}:LAYERS"
        for existing in [k for k in parameters if _key(k) == key]:
            handler.removeParameter(existing)
        asked = parameters.get(by_name.get(key, ""), "") or default
        if asked.strip():
            layers = resolver.expand(asked)
        elif item.followVisibilityPreset():
            # QGIS draws the theme's layers here (data-defined theme included); with an
            # explicit layer list it draws that list and ignores the theme.
            layers = list(reversed(item.layersToRender(item.createExpressionContext())))
        else:
            layers = resolver.visible_layers()
        allowed = [layer for layer in layers if layer.id() in readable]
        if not allowed:
            # No layers at all would make the map draw the project's visible layers.
            raise PermissionError(f"map {index} of the print has no layer this role may see")
        handler.setParameter(key, ",".join(resolver.name(layer) for layer in allowed))
        for existing in [k for k in parameters if _key(k) == f"MAP{index}:STYLES"]:
            handler.removeParameter(existing)  # aligned with the old list; defaults now


def _project(server_iface: QgsServerInterface) -> QgsProject | None:
    path = server_iface.configFilePath()
    if not path:
        return None
    return QgsConfigCache.instance().project(path, server_settings())


class _Names:
    """How a WMS request names layers and groups of this project (short name, else name)."""

    def __init__(self, project: QgsProject) -> None:
        self._project = project
        self._root = project.layerTreeRoot()
        self._root_names = {QgsServerProjectUtils.wmsRootName(project), project.title()} - {""}

    def name(self, layer: QgsMapLayer) -> str:
        return layer_names(layer)[0]

    def visible_layers(self) -> list[QgsMapLayer]:
        """What a map with no layers draws: the checked layers, bottom first like LAYERS."""
        return list(reversed(self._root.checkedLayers()))

    def expand(self, value: str) -> list[QgsMapLayer]:
        layers: list[QgsMapLayer] = []
        for name in (part.strip() for part in value.split(",")):
            if name in self._root_names:
                layers += self._group_layers(self._root)
                continue
            group = self._group(name)
            if group is not None:
                layers += self._group_layers(group)
                continue
            layers += [
                layer for layer in self._project.mapLayers().values() if name in layer_names(layer)[:2]
            ]
        return layers

    def _group(self, name: str) -> QgsLayerTreeGroup | None:
        for group in self._root.findGroups(True):
            if name in (group.customProperty("wmsShortName") or "", group.name()):
                return group
        return None

    @staticmethod
    def _group_layers(group: QgsLayerTreeGroup) -> list[QgsMapLayer]:
        nodes = [node for node in group.findLayers() if isinstance(node, QgsLayerTreeLayer) and node.layer()]
        return list(reversed([node.layer() for node in nodes]))
