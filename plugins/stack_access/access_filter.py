"""The QgsAccessControlFilter: applies the rules to the role of the current request."""

from __future__ import annotations

import re
import traceback

from qgis.core import Qgis, QgsExpression, QgsFeature, QgsMapLayer, QgsMessageLog, QgsVectorLayer
from qgis.server import QgsAccessControlFilter, QgsServerInterface
from stack_plugin_kit.headers import request_header

from .layer_names import layer_names
from .rules import DENY, LayerRule
from .rules_store import RulesStore

LOG_TAG = "stack_access"
ROLE_HEADER = "X-Qgis-Stack-Role"
DEFAULT_ROLE = "anonymous"
# Role names are echoed into logs and the capabilities cache key: keep them plain.
ROLE_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# A subset string that matches no row, in SQL and in QGIS expressions alike.
NO_ROWS = "1 = 0"
MAX_WARNED_ROLES = 100


def request_role(server_iface: QgsServerInterface) -> str:
    """The role nginx set for the current request; an unusable name becomes a role no
    rules file can define: it sees nothing."""
    role = request_header(server_iface, ROLE_HEADER) or DEFAULT_ROLE
    return role if ROLE_PATTERN.fullmatch(role) else "<invalid role name>"


class StackAccessControl(QgsAccessControlFilter):
    def __init__(self, server_iface: QgsServerInterface, store: RulesStore) -> None:
        super().__init__(server_iface)
        self._iface = server_iface
        self._store = store
        self._warned_roles: set[str] = set()

    # --- QGIS Server's questions -------------------------------------------------------

    def layerPermissions(self, layer: QgsMapLayer) -> QgsAccessControlFilter.LayerPermissions:  # noqa: N802
        rule = self._rule(layer)
        permissions = QgsAccessControlFilter.LayerPermissions()
        permissions.canRead = rule.visible
        permissions.canInsert = rule.visible and "insert" in rule.edit
        permissions.canUpdate = rule.visible and "update" in rule.edit
        permissions.canDelete = rule.visible and "delete" in rule.edit
        return permissions

    def layerFilterSubsetString(self, layer: QgsVectorLayer) -> str:  # noqa: N802
        rule = self._rule(layer)
        return rule.filter if rule.visible else NO_ROWS

    def layerFilterExpression(self, layer: QgsVectorLayer) -> str:  # noqa: N802
        # The same rows again, as an expression: OGC API Features and GetPrint filter
        # features with this hook only, never with the subset string. A filter that is not
        # also a valid QGIS expression shows no rows there (fail closed; logged).
        rule = self._rule(layer)
        if not rule.visible:
            return NO_ROWS
        if rule.filter and QgsExpression(rule.filter).hasParserError():
            self._warn_once(f"filter of {layer.name()} is not a QGIS expression: no rows in OGC API/GetPrint")
            return NO_ROWS
        return rule.filter

    def authorizedLayerAttributes(self, layer: QgsVectorLayer, attributes: list[str]) -> list[str]:  # noqa: N802
        rule = self._rule(layer)
        if not rule.visible:
            return []
        return [name for name in attributes if name not in rule.hidden_attributes]

    def allowToEdit(self, layer: QgsVectorLayer, feature: QgsFeature) -> bool:  # noqa: N802
        # Called per feature of a WFS-T request; layerPermissions already decided which
        # operations the role has on the layer.
        rule = self._rule(layer)
        return rule.visible and bool(rule.edit)

    def cacheKey(self) -> str:  # noqa: N802
        # Never empty. QGIS means to cache GetCapabilities per key (role and rules version
        # here), but its test is inverted (QgsAccessControl::fillCacheKey, 3.22 to 3.44): any
        # key turns its cache off, while "" would share one cache across every role. Should
        # QGIS fix it, these keys are still right: per role and rules version, and one
        # deny-all key while the rules cannot be read.
        try:
            if self._store.current() is None:
                return "rules-unusable"
            return f"{self._role()}@{self._store.version}"
        except Exception:
            self._log_exception("cacheKey")
            return "rules-unusable"

    # --- helpers ------------------------------------------------------------------------

    def _rule(self, layer: QgsMapLayer) -> LayerRule:
        # Any failure here denies: a bug must never grant access nor kill the worker.
        try:
            rules = self._store.current()
            if rules is None:
                return DENY
            role = self._role()
            if role not in rules.roles:
                self._warn_unknown_role(role)
                return DENY
            return rules.rule_for(role, layer_names(layer))
        except Exception:
            self._log_exception("a layer check")
            return DENY

    def _role(self) -> str:
        return request_role(self._iface)

    def _warn_once(self, message: str) -> None:
        if message not in self._warned_roles and len(self._warned_roles) < MAX_WARNED_ROLES:
            self._warned_roles.add(message)
            QgsMessageLog.logMessage(message, LOG_TAG, Qgis.Warning)

    def _warn_unknown_role(self, role: str) -> None:
        if role not in self._warned_roles and len(self._warned_roles) < MAX_WARNED_ROLES:
            self._warned_roles.add(role)
            QgsMessageLog.logMessage(
                f"role '{role}' is not in {self._store.path}: it sees no layer", LOG_TAG, Qgis.Warning
            )

    def _log_exception(self, where: str) -> None:
        QgsMessageLog.logMessage(
            f"{where} failed, access denied:\n{traceback.format_exc()}", LOG_TAG, Qgis.Critical
        )
