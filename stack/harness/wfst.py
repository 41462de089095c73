"""WFS-T: Transaction documents built from parts, posted, and QGIS's answer read back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import requests
from lxml import etree

from stack.harness.handle import StackHandle
from stack.harness.ows import ServiceException, ows_post, service_exception
from stack.harness.wfs import NAMESPACES, feature_id


def _element(tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    prefix, _, name = tag.partition(":")
    element = etree.Element(f"{{{NAMESPACES[prefix]}}}{name}", attributes, nsmap=NAMESPACES)
    element.text = text
    return element


def gml_point(lon: float, lat: float) -> etree._Element:
    point = _element("gml:Point", srsName="EPSG:4326")
    point.append(_element("gml:pos", f"{lon!r} {lat!r}"))
    return point


def fid_filter(layer: str, ids: list[int]) -> etree._Element:
    found = _element("ogc:Filter")
    for row_id in ids:
        found.append(_element("ogc:FeatureId", fid=f"{layer}.{row_id}"))
    return found


def insert(layer: str, properties: Mapping[str, str], point: tuple[float, float] | None) -> etree._Element:
    """One wfs:Insert of one feature: QGIS refuses an Insert with more than one child element.
    Properties left out are inserted as NULL by QGIS, not as the column's DEFAULT."""
    feature = _element(f"qgs:{layer}")
    for name, value in properties.items():
        feature.append(_element(f"qgs:{name}", value))
    if point is not None:
        geometry = _element("qgs:geometry")
        geometry.append(gml_point(*point))
        feature.append(geometry)
    action = _element("wfs:Insert")
    action.append(feature)
    return action


def update(
    layer: str, ids: list[int], properties: Mapping[str, str], point: tuple[float, float] | None = None
) -> etree._Element:
    """One wfs:Update of the features with these ids: new property values and, if given, a new point."""
    action = _element("wfs:Update", typeName=f"qgs:{layer}")
    changes = [(name, _element("wfs:Value", value)) for name, value in properties.items()]
    if point is not None:
        value = _element("wfs:Value")
        value.append(gml_point(*point))
        changes.append(("geometry", value))  # QGIS's name for the geometry property
    for name, value in changes:
        prop = _element("wfs:Property")
        prop.append(_element("wfs:Name", name))
        prop.append(value)
        action.append(prop)
    action.append(fid_filter(layer, ids))
    return action


def delete(layer: str, ids: list[int]) -> etree._Element:
    """One wfs:Delete by feature id: the only Delete filter QGIS carries out."""
    action = _element("wfs:Delete", typeName=f"qgs:{layer}")
    action.append(fid_filter(layer, ids))
    return action


def transaction(*actions: etree._Element) -> bytes:
    """A WFS 1.1.0 Transaction document. QGIS runs its actions by kind (updates, then deletes,
    then inserts) and commits each one separately: the document is not all-or-nothing."""
    root = _element("wfs:Transaction", service="WFS", version="1.1.0")
    root.extend(actions)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class TransactionOutcome:
    http_status: int
    exception: ServiceException | None  # the request as a whole was refused
    totals: dict[str, int]  # totalInserted/totalUpdated/totalDeleted as QGIS reported them
    messages: list[str]  # one per failed action (wfs:TransactionResults)
    inserted_ids: list[int]

    @property
    def changed(self) -> int:
        return sum(self.totals.values())

    def explanation(self) -> str:
        return self.exception.text if self.exception else " ".join(self.messages)


def post_transaction(stack: StackHandle, body: bytes) -> TransactionOutcome:
    params = {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "Transaction"}
    return transaction_outcome(ows_post(stack, body, params))


def transaction_outcome(response: requests.Response) -> TransactionOutcome:
    exception = service_exception(response.content)
    if exception is not None:
        return TransactionOutcome(response.status_code, exception, {}, [], [])
    try:
        root = etree.fromstring(response.content)
    except etree.XMLSyntaxError as error:
        raise AssertionError(
            f"HTTP {response.status_code}: not a TransactionResponse ({error}): {response.content[:300]!r}"
        ) from None
    totals = {
        etree.QName(total).localname: int(total.text or 0)
        for total in root.iterfind("wfs:TransactionSummary/*", NAMESPACES)
    }
    messages = [(m.text or "").strip() for m in root.iterfind(".//wfs:Action/wfs:Message", NAMESPACES)]
    inserted = [feature_id(f.get("fid", "")) for f in root.iterfind(".//ogc:FeatureId", NAMESPACES)]
    return TransactionOutcome(response.status_code, None, totals, messages, inserted)
