"""Refuse a request whose filters could read what the role may not see (before QGIS runs it).

Every parameter is checked, whatever its name or spelling (QGIS reads parameter names
case-insensitively, GetPrint prefixes them with mapN:, and an XML POST body arrives as the
REQUEST_BODY parameter): no parameter may name a hidden attribute of the role, and the
expressions and XML filters QGIS evaluates (EXP_FILTER, FILTER, SLD_BODY, request bodies)
may only call functions of expression_policy.ALLOWED_FUNCTIONS. OGC API Features requests
(no SERVICE) are left to QGIS, which accepts only published fields there.
"""

from __future__ import annotations

import re

from qgis.core import QgsExpression
from qgis.server import QgsServerInterface
from stack_plugin_kit.refusal import OgcRefusal
from stack_plugin_kit.safe_filter import GuardedFilter

from .access_filter import LOG_TAG, request_role
from .expression_policy import (
    Refusal,
    check_expression_text,
    check_functions,
    check_hidden_names,
    check_xml,
    looks_like_xml,
)
from .print_layers import restrict_print_layers
from .rules_store import RulesStore

# Parameters QGIS evaluates as QGIS expressions, SQL or OGC/SLD XML.
EXPRESSION_PARAMETERS = frozenset({"EXP_FILTER", "FILTER"})
XML_PARAMETERS = frozenset({"SLD_BODY", "REQUEST_BODY"})
_MAP_PREFIX = re.compile(r"^MAP\d+:")
_NOISE = re.compile(r"[\x00-\x20\x7f]")


def parameter_name(key: str) -> str:
    """The name QGIS acts on: upper case, without control characters or a mapN: prefix."""
    return _MAP_PREFIX.sub("", _NOISE.sub("", key).upper())


def check_parameter(name: str, value: str, hidden: frozenset[str]) -> None:
    where = name
    value = value.replace("%2B", "+")  # QGIS's own escaping of REQUEST_BODY
    check_hidden_names(value, hidden, where)
    if name in XML_PARAMETERS or (name in EXPRESSION_PARAMETERS and looks_like_xml(value)):
        check_xml(value, hidden, where)
    elif name in EXPRESSION_PARAMETERS:
        check_expression_text(value, where)
        expression = QgsExpression(value)
        if not expression.hasParserError():
            # QGIS's own reading of it: functions however spelt, columns however quoted.
            check_functions(expression.referencedFunctions(), where)
            if expression.referencedVariables():
                raise Refusal(f"{where}: variables (@name) may not be used in a request's filter")
            check_hidden_names(" ".join(expression.referencedColumns()), hidden, where)


class RequestCheck(GuardedFilter):
    plugin_name = LOG_TAG

    def __init__(self, server_iface: QgsServerInterface, store: RulesStore) -> None:
        super().__init__(server_iface)
        self._store = store

    def on_request_ready(self) -> None:
        handler = self.serverInterface().requestHandler()
        if handler is None or handler.exceptionRaised():
            return
        parameters = handler.parameterMap()
        names = {parameter_name(key): key for key in parameters}
        if not names.get("SERVICE") or not parameters.get(names["SERVICE"], "").strip():
            return  # an OGC API request: QGIS checks its query parameters against published fields
        rules = self._store.current()
        if rules is None:
            return  # every layer is denied anyway
        role = request_role(self.serverInterface())
        hidden = rules.hidden_attributes(role)
        try:
            for key, value in parameters.items():
                check_parameter(parameter_name(key), value, hidden)
            if parameters.get(names.get("REQUEST", ""), "").strip().upper() == "GETPRINT":
                restrict_print_layers(self.serverInterface(), handler, rules, role)
            if rules.filters_rows(role) and "SHOWFEATURECOUNT" in names:
                # Legends count every row of a layer, past the role's row filter.
                for key in [key for key in parameters if parameter_name(key) == "SHOWFEATURECOUNT"]:
                    handler.removeParameter(key)
        except Refusal as refusal:
            handler.setServiceException(OgcRefusal("InvalidParameterValue", str(refusal), "", 400))
        except PermissionError as denied:
            handler.setServiceException(OgcRefusal("Security", str(denied), "", 403))
