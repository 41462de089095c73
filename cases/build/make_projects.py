"""Writes the projects of the shipped cases with PyQGIS 3.22, so every stack version reads them.

Production projects name production things: a pg_service, a database host, absolute paths.
To write such a project here, the layers are made from local data first and their sources
are then rewritten in the XML to what production would have: that is the situation
`make repro` has to undo.

    docker run --rm -v "$PWD/cases:/cases" -e QT_QPA_PLATFORM=offscreen -e HOME=/tmp \
      --entrypoint python3 qgis-stack/qgis-server:3.22 /cases/build/make_projects.py /cases
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

WGS84 = "EPSG:4326"
# Three made-up districts of Luxembourg, coarse polygons (lon lat).
DISTRICTS = [
    (1, "North", "POLYGON((5.75 49.85, 6.45 49.85, 6.45 50.18, 5.75 50.18, 5.75 49.85))"),
    (2, "Centre", "POLYGON((5.75 49.55, 6.45 49.55, 6.45 49.85, 5.75 49.85, 5.75 49.55))"),
    (3, "South", "POLYGON((5.75 49.44, 6.45 49.44, 6.45 49.55, 5.75 49.55, 5.75 49.44))"),
]


def memory_layer(name: str, geometry: str, fields: list[tuple[str, QVariant.Type]]) -> QgsVectorLayer:
    spec = "&".join(f"field={n}:{'integer' if t == QVariant.Int else 'string'}" for n, t in fields)
    layer = QgsVectorLayer(f"{geometry}?crs={WGS84}&{spec}", name, "memory")
    assert layer.isValid(), name
    return layer


def districts_gpkg(path: Path) -> QgsVectorLayer:
    layer = memory_layer("districts", "Polygon", [("id", QVariant.Int), ("name", QVariant.String)])
    features = []
    for fid, name, wkt in DISTRICTS:
        feature = QgsFeature(layer.fields())
        feature.setAttributes([fid, name])
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "districts"
    path.unlink(missing_ok=True)
    error = QgsVectorFileWriter.writeAsVectorFormatV2(
        layer, str(path), QgsProject.instance().transformContext(), options
    )
    assert error[0] == QgsVectorFileWriter.NoError, error
    written = QgsVectorLayer(f"{path}|layername=districts", "districts", "ogr")
    assert written.isValid(), path
    return written


def publish(project: QgsProject, title: str, layers: list[QgsVectorLayer], editable: list[str]) -> None:
    project.setTitle(title)
    project.setCrs(QgsCoordinateReferenceSystem(WGS84))
    for layer in layers:
        project.addMapLayer(layer)
    project.writeEntry("WMSServiceCapabilities", "/", True)
    project.writeEntry("WMSServiceTitle", "/", title)
    project.writeEntry("WMSCrsList", "/", [WGS84, "EPSG:3857"])
    project.writeEntry("WMSExtent", "/", ["5.7", "49.4", "6.5", "50.2"])
    ids = [layer.id() for layer in layers]
    project.writeEntry("WFSLayers", "/", ids)
    for layer_id in ids:
        project.writeEntry("WFSLayersPrecision", "/" + layer_id, 6)
    editable_ids = [layer.id() for layer in layers if layer.name() in editable]
    for operation in ("Insert", "Update", "Delete"):
        project.writeEntry("WFSTLayers", operation, editable_ids)


def set_source(qgs: Path, layer_name: str, provider: str, datasource: str) -> None:
    """Point one layer of a written .qgs at a production source (as production wrote it)."""
    text = qgs.read_text()
    head, _, body = text.partition("<qgis ")
    root = ET.fromstring("<qgis " + body)
    for layer in root.iter("maplayer"):
        if layer.findtext("layername") == layer_name:
            layer.find("datasource").text = datasource  # type: ignore[union-attr]
            layer.find("provider").text = provider  # type: ignore[union-attr]
    qgs.write_text(head + ET.tostring(root, encoding="unicode"))


def wfs_axis_order(case: Path) -> None:
    """stations in PostGIS through production's pg_service, districts by an absolute path."""
    data = case / "data"
    districts = districts_gpkg(data / "districts.gpkg")
    stations = memory_layer(
        "stations", "Point", [("id", QVariant.Int), ("name", QVariant.String), ("opened", QVariant.String)]
    )
    project = QgsProject()
    project.writeEntry("Paths", "/Absolute", True)
    publish(project, "Rail stations (production copy)", [districts, stations], [])
    qgs = case / "stations.qgs"
    assert project.write(str(qgs)), project.error()
    set_source(
        qgs,
        "stations",
        "postgres",
        "service='prod-gis' sslmode=disable key='id' srid=4326 type=Point "
        'checkPrimaryKeyUnicity=\'1\' table="network"."stations" (geom)',
    )
    qgs.write_text(qgs.read_text().replace(str(data), "/srv/gisdata/luxembourg"))


def oapif_items(case: Path) -> None:
    """A .qgz with its GeoPackage beside it, relative path: the common desktop export."""
    districts = districts_gpkg(case / "districts.gpkg")
    project = QgsProject()
    publish(project, "Districts", [districts], [])
    assert project.write(str(case / "districts.qgz")), project.error()


def wfst_unknown_property(case: Path) -> None:
    """observations in a production database named by host (no service), editable by WFS-T."""
    fields = [("id", QVariant.Int), ("observer", QVariant.String), ("note", QVariant.String)]
    observations = memory_layer("observations", "Point", fields)
    project = QgsProject()
    publish(project, "Field observations", [observations], ["observations"])
    qgs = case / "field.qgs"
    assert project.write(str(qgs)), project.error()
    set_source(
        qgs,
        "observations",
        "postgres",
        "dbname='field' host=db.field.example.org port=5432 user='field_editor' sslmode=require "
        "key='id' srid=4326 type=Point checkPrimaryKeyUnicity='1' "
        'table="public"."observations" (geom)',
    )


def main(argv: list[str]) -> int:
    cases = Path(argv[1])
    app = QgsApplication([], False)
    app.initQgis()
    wfs_axis_order(cases / "wfs-axis-order")
    oapif_items(cases / "oapif-items")
    wfst_unknown_property(cases / "wfst-unknown-property")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
