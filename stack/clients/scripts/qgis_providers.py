"""Inside the qgis-server image: load the stack's layers with QGIS's own WFS, OGC API
Features and WMS providers, as QGIS desktop does, and print what they got as JSON.

argv[1]: {"ows_url": ..., "layers": [...], "wms_layers": [...], "auth": [user, password] | null}
"""

import json
import sys

from qgis.core import QgsApplication, QgsRasterLayer, QgsRectangle, QgsVectorLayer


def quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def credentials(auth: list[str] | None) -> str:
    return f" username={quoted(auth[0])} password={quoted(auth[1])}" if auth else ""


def read_vector(uri: str, provider: str) -> dict[str, object]:
    layer = QgsVectorLayer(uri, "probe", provider)
    if not layer.isValid():
        return {"valid": False, "error": layer.error().summary()}
    count, extent = 0, None  # QgsRectangle.setNull() is not in 3.22
    for feature in layer.getFeatures():
        count += 1
        if feature.hasGeometry():
            box = feature.geometry().boundingBox()
            extent = QgsRectangle(box) if extent is None else extent
            extent.combineExtentWith(box)
    corners = None
    if extent is not None:
        corners = [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()]
    return {"valid": True, "count": count, "extent": corners, "crs": layer.crs().authid()}


def read_wms(ows_url: str, name: str, auth: list[str] | None) -> dict[str, object]:
    uri = f"url={ows_url}&layers={name}&styles=&format=image/png&crs=EPSG:4326"
    if auth:
        uri += f"&username={auth[0]}&password={auth[1]}"
    layer = QgsRasterLayer(uri, "probe", "wms")
    if not layer.isValid():
        return {"valid": False, "error": layer.error().summary()}
    extent = layer.extent()
    image = layer.dataProvider().block(1, extent, 64, 32).image()  # the GetMap the provider made
    painted = sum(
        1 for y in range(image.height()) for x in range(image.width()) if image.pixelColor(x, y).alpha()
    )
    return {
        "valid": True,
        "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
        "painted_pixels": painted,
    }


def main() -> None:
    request = json.loads(sys.argv[1])
    ows_url, auth = request["ows_url"], request.get("auth")
    app = QgsApplication([], False)
    app.initQgis()
    result: dict[str, dict[str, object]] = {"WFS": {}, "OAPIF": {}, "WMS": {}}
    for name in request["layers"]:
        wfs = f"url={quoted(ows_url)} typename={quoted(name)} version='1.1.0' srsname='EPSG:4326'"
        result["WFS"][name] = read_vector(wfs + credentials(auth), "WFS")
        oapif = f"url={quoted(ows_url + '/wfs3')} typename={quoted(name)}"
        result["OAPIF"][name] = read_vector(oapif + credentials(auth), "OAPIF")
    for name in request["wms_layers"]:
        result["WMS"][name] = read_wms(ows_url, name, auth)
    print(json.dumps(result))
    app.exitQgis()


main()
