"""Which request parameters are refused, and why: plain logic, testable without QGIS.

The rules, their reasons and their examples live in refusals.json, the table nginx's early
refusals are rendered from too; this module implements each rule by id on the names and
values QGIS has already decoded (query string, form POST body, or the attributes of an XML
POST's root element, which QGIS also turns into parameters).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

TABLE = Path(__file__).with_name("refusals.json")
# QGIS reads numbered print-map parameters (map0:LAYERS); every other prefix names a remote
# layer's source (x:url=...).
PRINT_MAP_PARAMETER = re.compile(r"MAP\d+:[A-Z0-9_.-]+", re.IGNORECASE)
PRINT_MAP_PREFIX = re.compile(r"^MAP\d+:", re.IGNORECASE)
PLAIN_NAME = re.compile(r"[A-Za-z0-9_:.-]*")
# Element and attribute names cannot be written with character references, so these words
# appear literally in any style or filter that points outside the request. ExternalGraphic
# too: QGIS fetches its link, and loops forever on an inline one without a Format inside a
# GraphicFill drawn on points (convertPolygonSymbolizerToPointMarker never advances).
EXTERNAL_REFERENCE = re.compile(
    r"href|onlineresource|externalgraphic|!doctype|!entity|xinclude", re.IGNORECASE
)
# Every C0 control but tab and line breaks (XML values such as SLD_BODY hold those), and DEL.
CONTROL_BYTES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DEFAULT_MAX_XML_DEPTH = 64


@dataclass(frozen=True)
class Refusal:
    rule: str
    parameter: str
    reason: str


def _has_control_bytes(text: str) -> bool:
    return CONTROL_BYTES.search(text) is not None


def _bare_name(name: str) -> str:
    return PRINT_MAP_PREFIX.sub("", name).upper()


def xml_depth(text: str) -> int:
    """How deep elements nest in text; comments, CDATA, declarations and PIs do not count.

    Errs high: a '>' inside an attribute value of an empty element counts it as open.
    """
    depth = deepest = 0
    position = 0
    while (start := text.find("<", position)) >= 0:
        for opener, closer in (("<!--", "-->"), ("<![CDATA[", "]]>")):
            if text.startswith(opener, start):
                end = text.find(closer, start + len(opener))
                position = len(text) if end < 0 else end + len(closer)
                break
        else:
            end = text.find(">", start)
            if end < 0:
                return deepest
            following = text[start + 1 : start + 2]
            if following == "/":
                depth -= 1
            elif following not in ("!", "?") and text[end - 1] != "/":
                depth += 1
                deepest = max(deepest, depth)
            position = end + 1
    return deepest


# rule id -> (name, value) -> refused? Names and values are decoded; ids match refusals.json.
PARAMETER_RULES: dict[str, Callable[[str, str], bool]] = {
    "control-bytes": lambda name, value: _has_control_bytes(name) or _has_control_bytes(value),
    "parameter-name": lambda name, _value: PLAIN_NAME.fullmatch(name) is None,
    "map": lambda name, _value: _bare_name(name) == "MAP",
    "sld": lambda name, _value: _bare_name(name) == "SLD",
    "prefixed-name": lambda name, _value: ":" in name and PRINT_MAP_PARAMETER.fullmatch(name) is None,
    "external-wms": lambda _name, value: "EXTERNAL_WMS:" in value.upper(),
    "external-reference": lambda _name, value: EXTERNAL_REFERENCE.search(value) is not None,
}
XML_DEPTH_RULE = "xml-depth"


def load_table(path: Path = TABLE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def reasons(table: dict) -> dict[str, str]:
    return {rule["id"]: rule["reason"] for rule in table["rules"]}


def spellings(text: str) -> Iterator[str]:
    """text, then text %-decoded until it stops changing. QGIS decodes a form POST body less
    fully than a query string (QUrlQuery's PrettyDecoded leaves %3A, %1B... as they are) and
    may decode again later, so every rule sees every spelling a later step could produce."""
    yield text
    for _ in range(4):
        decoded = unquote(text)
        if decoded == text:
            return
        yield decoded
        text = decoded


def refused_parameter(
    parameters: Mapping[str, str],
    reason_by_rule: Mapping[str, str],
    max_xml_depth: int = DEFAULT_MAX_XML_DEPTH,
) -> Refusal | None:
    """The first refused parameter, by the rules' order in the table, or None."""
    # Every request passes here: decode each name and value once, not once per rule.
    spelled = [
        (name, value, tuple(spellings(name)), tuple(spellings(value))) for name, value in parameters.items()
    ]
    for rule, reason in reason_by_rule.items():
        check = PARAMETER_RULES.get(rule)
        for name, value, names, values in spelled:
            if check is not None and any(check(n, v) for n in names for v in values):
                return Refusal(rule, name, reason)
            if rule == XML_DEPTH_RULE and "<" in value and xml_depth(value) > max_xml_depth:
                return Refusal(rule, name, f"{reason} ({max_xml_depth} levels)")
    return None
