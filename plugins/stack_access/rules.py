"""The access rules: what each role may see and edit, per layer. Plain data, no QGIS.

A rules document (YAML or JSON) looks like:

    roles:
      anonymous:
        layers:
          "*": {}                                  # any layer not named below
          observations: {visible: false}
          places: {filter: '"pop_max" > 1000000'}
          countries: {hidden_attributes: [wb_a2, wb_a3]}
      editor:
        layers:
          "*": {}
          observations: {edit: [insert, update, delete]}

A layer rule's keys, all optional: visible (default true), filter (a subset string, in
the provider's SQL dialect, added to the layer's own), hidden_attributes (field names),
edit (any of insert, update, delete; default none).

Least privilege wherever the rules say nothing: a role that is not in the file sees no
layer, and a layer that a role neither names nor covers with "*" is hidden from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ANY_LAYER = "*"
EDIT_OPERATIONS = frozenset({"insert", "update", "delete"})
LAYER_RULE_KEYS = frozenset({"visible", "filter", "hidden_attributes", "edit"})


class RulesError(ValueError):
    """The rules document is not valid; the message names the offending key."""


@dataclass(frozen=True)
class LayerRule:
    visible: bool = True
    filter: str = ""
    hidden_attributes: frozenset[str] = frozenset()
    edit: frozenset[str] = frozenset()


DENY = LayerRule(visible=False)


@dataclass(frozen=True)
class Rules:
    roles: Mapping[str, Mapping[str, LayerRule]]

    def rule_for(self, role: str, layer_names: Iterable[str]) -> LayerRule:
        """The rule of the first name the role lists, else its "*" rule, else DENY."""
        layers = self.roles.get(role)
        if layers is None:
            return DENY
        for name in layer_names:
            if name and name in layers:
                return layers[name]
        return layers.get(ANY_LAYER, DENY)

    def filters_rows(self, role: str) -> bool:
        """Whether any layer shows the role only some of its rows."""
        return any(rule.filter for rule in self.roles.get(role, {}).values())

    def hidden_attributes(self, role: str) -> frozenset[str]:
        """Every attribute the role may not see, on any layer: none of them may appear in
        the role's filters (a filter on one layer's name is an oracle on another's)."""
        layers = self.roles.get(role, {})
        return frozenset(name for rule in layers.values() for name in rule.hidden_attributes)


def parse_rules(document: object) -> Rules:
    """Validate a loaded YAML/JSON document. Unknown keys are errors: a typo must not
    silently grant (or drop) a right."""
    top = _mapping(document, "the rules file")
    _only_keys(top, {"roles"}, "the rules file")
    roles = _mapping(top.get("roles"), "roles")
    parsed: dict[str, dict[str, LayerRule]] = {}
    for role, role_doc in roles.items():
        where = f"roles.{role}"
        role_map = _mapping(role_doc, where)
        _only_keys(role_map, {"layers"}, where)
        layers = _mapping(role_map.get("layers", {}), f"{where}.layers")
        parsed[str(role)] = {
            str(layer): _layer_rule(rule, f"{where}.layers.{layer}") for layer, rule in layers.items()
        }
    return Rules(roles=parsed)


def _layer_rule(document: object, where: str) -> LayerRule:
    rule = _mapping({} if document is None else document, where)
    _only_keys(rule, LAYER_RULE_KEYS, where)
    visible = rule.get("visible", True)
    if not isinstance(visible, bool):
        raise RulesError(f"{where}.visible: must be true or false, not {visible!r}")
    subset = rule.get("filter", "")
    if not isinstance(subset, str):
        raise RulesError(f"{where}.filter: must be a string, not {subset!r}")
    hidden = _strings(rule.get("hidden_attributes", []), f"{where}.hidden_attributes")
    edit = _strings(rule.get("edit", []), f"{where}.edit")
    unknown = edit - EDIT_OPERATIONS
    if unknown:
        raise RulesError(f"{where}.edit: unknown operation(s) {sorted(unknown)}; use insert, update, delete")
    return LayerRule(visible=visible, filter=subset.strip(), hidden_attributes=hidden, edit=edit)


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise RulesError(f"{where}: must be a mapping, not {type(value).__name__}")
    return value


def _only_keys(value: Mapping[str, object], allowed: Iterable[str], where: str) -> None:
    unknown = set(value) - set(allowed)
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(map(str, unknown))}; allowed: {sorted(allowed)}")


def _strings(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RulesError(f"{where}: must be a list of strings, not {value!r}")
    return frozenset(value)
