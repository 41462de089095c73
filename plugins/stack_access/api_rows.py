"""OGC API Features sees the role's rows the way WMS and WFS do: through the subset string.

QGIS's OGC API handlers filter features with the access control's expression only: the
features are right, but numberMatched of an unfiltered items request is the layer's whole
feature count (an oracle on the rows the role may not see), and a datetime filter replaces
the access expression instead of adding to it. For the duration of an API request the
role's filter is added to each layer's subset string, as QGIS itself does for WMS/WFS, and
the original is put back when the response is complete.

QGIS 3.22 answers the whole collections list with 404 when one WFS layer is hidden from the
role (its handler checks each layer instead of skipping it): for the duration of an API
request, layers hidden from the role are also taken out of the project's WFS layer list.
"""

from __future__ import annotations

from qgis.core import QgsProject, QgsVectorLayer
from qgis.server import QgsConfigCache, QgsServerInterface
from stack_plugin_kit.safe_filter import GuardedFilter

from .access_filter import LOG_TAG, NO_ROWS, request_role
from .layer_names import layer_names
from .rules_store import RulesStore

# The project entry that lists the layers published over WFS and OGC API Features.
WFS_LAYERS = "WFSLayers"


class ApiRowFilter(GuardedFilter):
    plugin_name = LOG_TAG

    def __init__(self, server_iface: QgsServerInterface, store: RulesStore) -> None:
        super().__init__(server_iface)
        self._store = store
        self._changed: list[tuple[QgsVectorLayer, str]] = []
        self._wfs_layers: tuple[QgsProject, list[str]] | None = None

    def on_request_ready(self) -> None:
        self._restore()  # in case an earlier request ended without responseComplete
        iface = self.serverInterface()
        handler = iface.requestHandler()
        if handler is None or handler.exceptionRaised():
            return
        if any(
            key.strip().upper() == "SERVICE" and value.strip()
            for key, value in handler.parameterMap().items()
        ):
            return  # OWS: QGIS applies the subset string itself
        path = iface.configFilePath()
        project = QgsConfigCache.instance().project(path) if path else None
        rules = self._store.current()
        if project is None or rules is None:
            return  # no project: QGIS answers; no rules: every layer is denied anyway
        role = request_role(iface)
        self._hide_from_wfs_list(project, rules, role)
        for layer in project.mapLayers().values():
            if not isinstance(layer, QgsVectorLayer):
                continue
            rule = rules.rule_for(role, layer_names(layer))
            extra = rule.filter if rule.visible else NO_ROWS
            if not extra:
                continue
            original = layer.subsetString()
            combined = f"({original}) AND ({extra})" if original else extra
            self._changed.append((layer, original))
            layer.setSubsetString(combined)

    def on_response_complete(self) -> None:
        self._restore()

    def _hide_from_wfs_list(self, project: QgsProject, rules: object, role: str) -> None:
        ids, _ = project.readListEntry(WFS_LAYERS, "/")
        readable = [
            layer_id
            for layer_id in ids
            if project.mapLayer(layer_id) is not None
            and rules.rule_for(role, layer_names(project.mapLayer(layer_id))).visible
        ]
        if len(readable) != len(ids):
            self._wfs_layers = (project, list(ids))
            project.writeEntry(WFS_LAYERS, "/", readable)

    def _restore(self) -> None:
        if self._wfs_layers is not None:
            project, ids = self._wfs_layers
            self._wfs_layers = None
            project.writeEntry(WFS_LAYERS, "/", ids)
        while self._changed:
            layer, original = self._changed.pop()
            layer.setSubsetString(original)
