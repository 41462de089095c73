"""Reading served features: WFS GetFeature as GeoJSON or GML, ids, OGC filters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from lxml import etree
from owslib.fes import OgcExpression
from owslib.wfs import WebFeatureService

from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get, service_exception

WFS_NS = "http://www.opengis.net/wfs"
OGC_NS = "http://www.opengis.net/ogc"
GML_NS = "http://www.opengis.net/gml"
QGS_NS = "http://www.qgis.org/gml"  # QGIS Server's feature type namespace
NAMESPACES = {"wfs": WFS_NS, "ogc": OGC_NS, "gml": GML_NS, "qgs": QGS_NS}

GEOJSON = "application/json"
# The project publishes coordinates rounded to 6 decimals (WFSLayersPrecision).
PRECISION_DECIMALS = 6


def feature_id(served_id: str | int) -> int:
    """The primary key behind a served id: "places.123" (WFS) or "123" (OGC API Features)."""
    return int(str(served_id).rpartition(".")[2])


def geojson_ids(collection: Mapping[str, Any]) -> list[int]:
    """Primary keys of a GeoJSON FeatureCollection, in the order served."""
    return [feature_id(feature["id"]) for feature in collection["features"]]


def getfeature_geojson(wfs: WebFeatureService, layer: str, **options: Any) -> dict[str, Any]:
    """GetFeature through OWSLib as GeoJSON, for one typename (QGIS wants one PROPERTYNAME per TYPENAME)."""
    response = wfs.getfeature(typename=[layer], outputFormat=GEOJSON, **options)
    return json.loads(response.read())


def getfeature(stack: StackHandle, params: Mapping[str, str], version: str = "1.1.0") -> requests.Response:
    """A raw KVP GetFeature, for what OWSLib cannot send: vendor parameters (EXP_FILTER) and
    several FEATUREIDs (OWSLib always adds PROPERTYNAME=*, and QGIS then wants one
    PROPERTYNAME per FEATUREID). A refusal fails with QGIS's ServiceException."""
    request = {"SERVICE": "WFS", "VERSION": version, "REQUEST": "GetFeature", **params}
    response = ows_get(stack, request)
    exception = service_exception(response.content)
    if response.status_code != 200 or exception is not None:
        raise AssertionError(f"GetFeature {dict(params)} failed: HTTP {response.status_code}, {exception}")
    return response


def served_ids(stack: StackHandle, params: Mapping[str, str], version: str = "1.1.0") -> list[int]:
    """Ids a GetFeature matches, asking for ids only: no geometry, small responses."""
    response = getfeature(stack, {"PROPERTYNAME": "id", "OUTPUTFORMAT": GEOJSON, **params}, version)
    return geojson_ids(response.json())


@dataclass(frozen=True)
class GmlFeature:
    id: int
    properties: dict[str, str]  # a NULL attribute is left out of the GML, so out of here
    geometry: str | None  # the GML geometry element, as XML text


def gml_features(body: bytes, layer: str) -> list[GmlFeature]:
    """Features of a GML 2 or GML 3 wfs:FeatureCollection from QGIS Server."""
    root = etree.fromstring(body)
    features = []
    for element in root.iter(f"{{{QGS_NS}}}{layer}"):
        served_id = element.get(f"{{{GML_NS}}}id") or element.get("fid")  # GML 3 or GML 2
        if served_id is None:
            raise AssertionError(f"a {layer} feature without gml:id or fid")
        properties: dict[str, str] = {}
        geometry = None
        for child in element:
            name = etree.QName(child).localname
            if name == "geometry":
                geometry = etree.tostring(child[0], encoding="unicode")
            elif name != "boundedBy":
                properties[name] = child.text or ""
        features.append(GmlFeature(id=feature_id(served_id), properties=properties, geometry=geometry))
    return features


def ogc_filter(constraint: OgcExpression) -> str:
    """An OGC Filter (1.1) document, as the FILTER parameter carries it, from an owslib.fes constraint."""
    # OWSLib's FilterRequest().setConstraint() returns an element, and getfeature(filter=...)
    # would send that element's repr: serialise it here instead.
    root = etree.Element(f"{{{OGC_NS}}}Filter", nsmap={"ogc": OGC_NS})
    root.append(constraint.toXML())
    return etree.tostring(root, encoding="unicode")


def geojson_coordinates(geometry: Mapping[str, Any]) -> list[float]:
    """Every coordinate number of a GeoJSON geometry, flattened, in no particular order."""
    numbers: list[float] = []
    pending: list[Any] = [geometry["coordinates"]]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        else:
            numbers.append(float(item))
    return numbers
