"""WFS-T transactions QGIS would loop on forever, found before QGIS reads them: plain logic.

QGIS (3.40 featuresFromGML, 3.22 likewise) walks the children of each inserted feature and,
for one that is not a field of the layer (nor geometry/boundedBy), `continue`s without
moving to the next sibling: the worker spins at 100% CPU until the watchdog kills it. A
comment, processing instruction, CDATA section or text directly inside the feature does
the same. An Update of an unknown property is silently ignored by QGIS: also refused here,
so that the client learns of its mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.parsers import expat

from .rules import Refusal

ALWAYS_ALLOWED = frozenset({"geometry", "boundedBy"})
RULE = "wfst-property"


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


class _Scanner:
    def __init__(self, fields_of: Callable[[str], frozenset[str] | None]) -> None:
        self.fields_of = fields_of
        self.stack: list[str] = []
        self.feature_depth: int | None = None  # depth of the feature element inside an Insert
        self.feature_fields: frozenset[str] | None = None
        self.update_fields: frozenset[str] | None = None
        self.name_text: list[str] | None = None
        self.refusal: Refusal | None = None

    def refuse(self, parameter: str, reason: str) -> None:
        if self.refusal is None:
            self.refusal = Refusal(RULE, parameter, reason)

    def in_feature(self) -> bool:
        return self.feature_depth is not None and len(self.stack) == self.feature_depth

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        fields = self.feature_fields
        if self.in_feature() and fields is not None and local not in fields | ALWAYS_ALLOWED:
            self.refuse(local, f"the layer has no property '{local}' (Insert)")
        if self.stack and self.stack[-1] == "Insert" and self.feature_depth is None:
            self.feature_depth = len(self.stack) + 1
            self.feature_fields = self.fields_of(local)
        if local == "Update":
            type_name = next((v for k, v in attributes.items() if _local(k) == "typeName"), "")
            self.update_fields = self.fields_of(type_name.rsplit(":", 1)[-1])
        if local == "Name" and self.stack[-1:] == ["Property"] and self.update_fields is not None:
            self.name_text = []
        self.stack.append(local)

    def end(self, name: str) -> None:
        local = self.stack.pop()
        if self.name_text is not None and local == "Name":
            property_name = "".join(self.name_text).strip()
            if self.update_fields is not None and property_name not in self.update_fields | ALWAYS_ALLOWED:
                self.refuse(property_name, f"the layer has no property '{property_name}' (Update)")
            self.name_text = None
        if local == "Update":
            self.update_fields = None
        if self.feature_depth is not None and len(self.stack) == self.feature_depth - 1:
            self.feature_depth = None  # left the feature
            self.feature_fields = None

    def text(self, data: str) -> None:
        if self.name_text is not None:
            self.name_text.append(data)
        elif self.in_feature() and self.feature_fields is not None and data.strip():
            self.refuse("Insert", "a feature holds text outside its property elements")

    def not_a_property(self, *_args: object) -> None:
        if self.in_feature() and self.feature_fields is not None:
            self.refuse("Insert", "a feature holds a comment, CDATA or processing instruction")


def unknown_property(body: bytes, fields_of: Callable[[str], frozenset[str] | None]) -> Refusal | None:
    """The first property of an Insert or Update that the layer does not have, or None.

    fields_of(type name) gives the layer's provider field names, or None for a type name it
    does not know (QGIS answers those itself). A body that is not well-formed is refused.
    """
    scanner = _Scanner(fields_of)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.text
    parser.CommentHandler = scanner.not_a_property
    parser.ProcessingInstructionHandler = scanner.not_a_property
    parser.StartCdataSectionHandler = scanner.not_a_property
    try:
        parser.Parse(body, True)
    except expat.ExpatError as error:
        return Refusal(RULE, "request body", f"the transaction is not well-formed XML: {error}")
    return scanner.refusal
