"""Take out of schema and project answers what QGIS forgets to hide (QGIS-side leaks).

- WFS DescribeFeatureType lists every field QGIS publishes, without asking the access
  control for the role's attributes (QGIS 3.22-3.44): the role's hidden attributes are
  removed from the schema (XML and JSON).
- WMS GetProjectSettings lists every WFS layer of the project under <WFSLayers>, without
  asking the access control: layers the role may not read are removed.
- A Security refusal names the layer refused; when the client asked for a group or the
  project's root (QGIS 3.22 GetLegendGraphic LAYER=<root>, GetMap LAYERS=<group>), that is
  the name of a layer the client did not know: the refusal is answered without names.
"""

from __future__ import annotations

import json
import re

from qgis.server import QgsConfigCache, QgsServerInterface
from stack_plugin_kit.headers import response_status
from stack_plugin_kit.safe_filter import GuardedFilter, service_exception_report

from .access_filter import LOG_TAG, request_role
from .expression_policy import mentions
from .layer_names import layer_names
from .rules_store import RulesStore

_NOISE = re.compile(r"[\x00-\x20\x7f]")


def without_xml_elements(body: str, tag: str, names: set[str]) -> str:
    """Remove <prefix:tag ... name="N" .../> (self-closed, as QGIS writes them) for N in names."""
    for name in names:
        pattern = rf'<(?:[A-Za-z0-9_]+:)?{tag}\b[^>]*\bname="{re.escape(name)}"[^>]*/>[ \t]*\n?'
        body = re.sub(pattern, "", body)
    return body


def without_json_properties(document: object, names: set[str]) -> object:
    if isinstance(document, dict):
        return {
            key: without_json_properties(value, names) for key, value in document.items() if key not in names
        }
    if isinstance(document, list):
        return [
            without_json_properties(item, names)
            for item in document
            if not (isinstance(item, dict) and item.get("name") in names)
        ]
    return document


class ResponseScrub(GuardedFilter):
    plugin_name = LOG_TAG

    def __init__(self, server_iface: QgsServerInterface, store: RulesStore) -> None:
        super().__init__(server_iface)
        self._store = store

    def on_response_complete(self) -> None:
        handler = self.serverInterface().requestHandler()
        if handler is None or handler.headersSent():
            return
        parameters = {_NOISE.sub("", key).upper(): value for key, value in handler.parameterMap().items()}
        request = parameters.get("REQUEST", "").strip().lower()
        refused = response_status(handler) == 403
        if request not in ("describefeaturetype", "getprojectsettings") and not refused:
            return
        rules = self._store.current()
        if rules is None:
            return
        role = request_role(self.serverInterface())
        body = bytes(handler.body()).decode("utf-8", errors="replace")
        if refused:
            asked = " ".join(parameters.values())
            unknown = {
                name for name in self._unreadable_layer_names(rules, role) if not mentions(asked, name)
            }
            if not any(mentions(body, name) for name in unknown):
                return
            new = (
                service_exception_report("You are not allowed to access a layer of this request", "1.3.0")
                .decode()
                .replace("StackPluginError", "Security")
            )
        elif request == "describefeaturetype":
            hidden = set(rules.hidden_attributes(role))
            if not hidden:
                return
            if body.lstrip().startswith(("{", "[")):
                new = json.dumps(without_json_properties(json.loads(body), hidden))
            else:
                new = without_xml_elements(body, "element", hidden)
        else:
            unreadable = self._unreadable_layer_names(rules, role)
            if not unreadable:
                return
            new = without_xml_elements(body, "WFSLayer", unreadable)
        if new != body:
            handler.clearBody()
            handler.appendBody(new.encode("utf-8"))

    def _unreadable_layer_names(self, rules: object, role: str) -> set[str]:
        path = self.serverInterface().configFilePath()
        project = QgsConfigCache.instance().project(path) if path else None
        if project is None:
            return set()
        return {
            name
            for layer in project.mapLayers().values()
            if not rules.rule_for(role, layer_names(layer)).visible
            for name in layer_names(layer)
        }
