#!/usr/bin/env python3
"""Write the stack's demo project (demo.qgs) with PyQGIS, against the running PostGIS.

Vector layers are PostGIS tables reached through a pg_service name, so the project holds
no credentials; the raster is a GeoTIFF copied next to the project and referenced by a
relative path. Runs inside the demo-project image:

    make-demo-project [OUTPUT_DIR]        (default /srv/qgis/demo)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsFillSymbol,
    QgsLayoutItemLabel,
    QgsLayoutItemMap,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLineSymbol,
    QgsMapLayer,
    QgsMapThemeCollection,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPrintLayout,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

PROJECT_NAME = "demo"
RASTER_SOURCE = Path("/usr/share/qgis-stack/demo/elevation.tif")
SERVICE = os.environ["STACK_PG_SERVICE"]  # the stack sets it (stack/core/settings.py)
# Advertised in WMS GetCapabilities: geographic, web mercator and two projected national CRSs.
WMS_CRS = ["EPSG:4326", "EPSG:3857", "EPSG:3035", "EPSG:27700"]

# The demo's colours; the test suite checks rendered pixels against these.
OCEAN = "#a5cdeb"
LAND = "#efe6cf"
RIVER = "#2f7fc1"
PLACE = "#b2182b"
OBSERVATION = "#1a9641"
PRINT_LAYOUT = "world"
# A layout whose map follows a map theme: the field notes over the countries.
FIELD_LAYOUT = "field"
FIELD_THEME = "field-notes"
FIELD_THEME_LAYERS = ("observations", "countries")


class DemoError(Exception):
    """A layer or the project could not be made; the message says which and why."""


def set_title(layer: QgsMapLayer, title: str) -> None:
    # QGIS 3.38 moved the title into serverProperties(); 3.22 has serverProperties() too,
    # but without the title in it.
    if hasattr(layer, "serverProperties") and hasattr(layer.serverProperties(), "setTitle"):
        layer.serverProperties().setTitle(title)
    else:
        layer.setTitle(title)


def postgis_layer(table: str, title: str, geometry_type: str) -> QgsVectorLayer:
    uri = (
        f"service='{SERVICE}' key='id' srid=4326 type={geometry_type} "
        f'checkPrimaryKeyUnicity=\'0\' table="demo"."{table}" (geom)'
    )
    layer = QgsVectorLayer(uri, table, "postgres")
    if not layer.isValid():
        raise DemoError(
            f"PostGIS table demo.{table} is not reachable through service '{SERVICE}': "
            f"{layer.dataProvider().error().message() if layer.dataProvider() else 'no provider'}"
        )
    set_title(layer, title)
    return layer


def fill(color: str, outline: str, outline_width: str) -> QgsSingleSymbolRenderer:
    return QgsSingleSymbolRenderer(
        QgsFillSymbol.createSimple(
            {
                "color": color,
                "outline_color": outline,
                "outline_width": outline_width,
                "style": "solid" if color != "transparent" else "no",
            }
        )
    )


def label_places(layer: QgsVectorLayer) -> None:
    text = QgsTextFormat()
    text.setFont(QFont("DejaVu Sans"))
    text.setSize(8)
    text.setColor(QColor("#222222"))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text.setBuffer(buffer)
    settings = QgsPalLayerSettings()
    settings.fieldName = "name"
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def vector_layers() -> list[QgsVectorLayer]:
    """Top of the map first."""
    places = postgis_layer("places", "Populated places", "Point")
    places.setRenderer(
        QgsSingleSymbolRenderer(
            QgsMarkerSymbol.createSimple(
                {"name": "circle", "color": PLACE, "size": "1.6", "outline_color": "white"}
            )
        )
    )
    label_places(places)
    # 7,322 points bury a world map: show them from 1:50 million inwards.
    places.setScaleBasedVisibility(True)
    places.setMinimumScale(50_000_000)

    rivers = postgis_layer("rivers", "Rivers and lake centerlines", "MultiLineString")
    rivers.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple({"color": RIVER, "width": "0.4"})))

    provinces = postgis_layer("provinces", "States and provinces", "MultiPolygon")
    provinces.setRenderer(fill("transparent", "#b9a98b", "0.1"))

    countries = postgis_layer("countries", "Countries", "MultiPolygon")
    countries.setRenderer(fill(LAND, "#8a7f6a", "0.25"))

    ocean = postgis_layer("ocean", "Ocean", "MultiPolygon")
    ocean.setRenderer(fill(OCEAN, OCEAN, "0"))

    observations = postgis_layer("observations", "Observations (editable)", "Point")
    observations.setRenderer(
        QgsSingleSymbolRenderer(
            QgsMarkerSymbol.createSimple(
                {"name": "triangle", "color": OBSERVATION, "size": "3", "outline_color": "black"}
            )
        )
    )
    return [observations, places, rivers, provinces, countries, ocean]


def raster_layer(output_dir: Path) -> QgsRasterLayer:
    target = output_dir / "elevation.tif"
    shutil.copyfile(RASTER_SOURCE, target)
    layer = QgsRasterLayer(str(target), "elevation", "gdal")
    if not layer.isValid():
        raise DemoError(f"{target} is not a readable raster")
    set_title(layer, "Elevation (Luxembourg)")
    return layer


def publish(project: QgsProject, layers: list[QgsMapLayer]) -> None:
    """Project properties that QGIS Server reads: which layers each OGC service offers."""
    project.setTitle("qgis-stack demo")
    project.writeEntry("WMSServiceCapabilities", "/", True)
    project.writeEntry("WMSServiceTitle", "/", "qgis-stack demo")
    project.writeEntry(
        "WMSServiceAbstract",
        "/",
        "Natural Earth and QGIS world_map data in PostGIS, served by QGIS Server.",
    )
    project.writeEntry("WMSKeywordList", "/", ["qgis-stack", "demo", "Natural Earth"])
    project.writeEntry("WMSRootName", "/", PROJECT_NAME)
    project.writeEntry("WMSCrsList", "/", WMS_CRS)
    project.writeEntry("WMSExtent", "/", ["-180", "-90", "180", "90"])
    project.writeEntry("WMSAddWktGeometry", "/", True)

    vectors = [layer.id() for layer in layers if isinstance(layer, QgsVectorLayer)]
    rasters = [layer.id() for layer in layers if isinstance(layer, QgsRasterLayer)]
    project.writeEntry("WFSLayers", "/", vectors)
    for layer_id in vectors:
        project.writeEntry("WFSLayersPrecision", "/" + layer_id, 6)
    editable = [layer.id() for layer in layers if layer.name() == "observations"]
    for operation in ("Insert", "Update", "Delete"):
        project.writeEntry("WFSTLayers", operation, editable)
    project.writeEntry("WCSLayers", "/", rasters)
    for key in ("WMTSLayers", "WMTSPngLayers", "WMTSJpegLayers"):
        project.writeEntry(key, "Project", True)


def world_map_layout(
    project: QgsProject, name: str, top_mm: float
) -> tuple[QgsPrintLayout, QgsLayoutItemMap]:
    """An A4 landscape layout holding one world map, "map0", from top_mm down to the foot."""
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 landscape page
    layout.setName(name)
    world = QgsLayoutItemMap(layout)
    world.setId("map0")
    world.attemptMove(QgsLayoutPoint(10, top_mm, QgsUnitTypes.LayoutMillimeters))
    world.attemptResize(QgsLayoutSize(277, 200 - top_mm, QgsUnitTypes.LayoutMillimeters))
    world.setExtent(QgsRectangle(-180, -90, 180, 90))
    layout.addLayoutItem(world)
    return layout, world


def add_print_layout(project: QgsProject) -> None:
    """An A4 landscape world map with a title, for GetPrint (TEMPLATE=world)."""
    layout, _ = world_map_layout(project, PRINT_LAYOUT, top_mm=20)
    title = QgsLayoutItemLabel(layout)
    title.setText("qgis-stack demo")
    title.attemptMove(QgsLayoutPoint(10, 6, QgsUnitTypes.LayoutMillimeters))
    title.attemptResize(QgsLayoutSize(200, 12, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(title)
    project.layoutManager().addLayout(layout)


def add_field_layout(project: QgsProject) -> None:
    """A map theme and a layout whose map follows it (TEMPLATE=field): what a GetPrint
    without LAYERS draws is the theme's layers, not the project's checked ones."""
    record = QgsMapThemeCollection.MapThemeRecord()
    record.setLayerRecords(
        [
            QgsMapThemeCollection.MapThemeLayerRecord(layer)
            for layer in project.mapLayers().values()
            if layer.name() in FIELD_THEME_LAYERS
        ]
    )
    project.mapThemeCollection().insert(FIELD_THEME, record)
    layout, field = world_map_layout(project, FIELD_LAYOUT, top_mm=10)
    field.setFollowVisibilityPreset(True)
    field.setFollowVisibilityPresetName(FIELD_THEME)
    project.layoutManager().addLayout(layout)


def write_project(output_dir: Path) -> Path:
    project = QgsProject()
    project.setCrs(project.crs().fromOgcWmsCrs("EPSG:4326"))
    layers: list[QgsMapLayer] = []
    layers.extend(vector_layers())
    layers.insert(3, raster_layer(output_dir))  # above the polygons, below rivers and places
    root = project.layerTreeRoot()
    for layer in layers:  # addMapLayer would put each new layer on top: append instead
        project.addMapLayer(layer, False)
        root.addLayer(layer)
    publish(project, layers)
    add_print_layout(project)
    add_field_layout(project)

    # Write next to the target and rename, so a server never reads half a file.
    target = output_dir / f"{PROJECT_NAME}.qgs"
    with tempfile.NamedTemporaryFile(dir=output_dir, suffix=".qgs", delete=False) as tmp:
        staging = Path(tmp.name)
    if not project.write(str(staging)):
        staging.unlink(missing_ok=True)
        raise DemoError(f"could not write {target}: {project.error()}")
    staging.chmod(0o644)
    staging.replace(target)
    return target


def main(argv: list[str]) -> int:
    output_dir = Path(argv[1] if len(argv) > 1 else "/srv/qgis/demo")
    app = QgsApplication([], False)
    app.initQgis()
    try:
        target = write_project(output_dir)
    except DemoError as error:
        print(f"make-demo-project: error: {error}", file=sys.stderr)
        return 1
    finally:
        app.exitQgis()
    print(f"make-demo-project: wrote {target} with QGIS {Qgis.version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
