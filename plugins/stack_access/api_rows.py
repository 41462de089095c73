"""OGC API Features sees the role's rows the way WMS and WFS do: through the subset string.

QGIS's OGC API handlers filter features with the access control's expression only: the
features are right, but numberMatched of an unfiltered items request is the layer's whole
feature count (an oracle on the rows the role may not see), and a datetime filter replaces
the access expression instead of adding to it. For the duration of an API request the
role's filter is added to each layer's subset string, as QGIS itself does for WMS/WFS, and
the original is put back when the response is complete.
"""

from __future__ import annotations

from qgis.core import QgsVectorLayer
from qgis.server import QgsConfigCache, QgsServerInterface
from stack_plugin_kit.safe_filter import GuardedFilter

from .access_filter import LOG_TAG, NO_ROWS, request_role
from .layer_names import layer_names
from .rules_store import RulesStore


class ApiRowFilter(GuardedFilter):
    plugin_name = LOG_TAG

    def __init__(self, server_iface: QgsServerInterface, store: RulesStore) -> None:
        super().__init__(server_iface)
        self._store = store
        self._changed: list[tuple[QgsVectorLayer, str]] = []

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

    def _restore(self) -> None:
        while self._changed:
            layer, original = self._changed.pop()
            layer.setSubsetString(original)
