"""Adds "stack:layer_title" to the features of a JSON GetFeatureInfo answer. No QGIS."""

from __future__ import annotations

import json
from collections.abc import Mapping

TITLE_FIELD = "stack:layer_title"


def add_layer_titles(body: bytes, titles: Mapping[str, str]) -> bytes | None:
    """The rewritten body, or None when it is not a feature collection we understand.

    QGIS names each feature "<layer name>.<feature id>"; layer names may contain dots, so
    the longest known name that prefixes the id wins.
    """
    try:
        document = json.loads(body)
    except ValueError:  # not JSON (or not UTF-8): leave it as it is
        return None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        return None
    by_length = sorted(titles, key=len, reverse=True)
    for feature in features:
        if not isinstance(feature, dict):
            continue
        feature_id = str(feature.get("id", ""))
        layer = next((name for name in by_length if feature_id.startswith(name + ".")), None)
        if layer is None:
            continue
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            properties = feature["properties"] = {}
        properties[TITLE_FIELD] = titles[layer]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
