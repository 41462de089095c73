"""Shared by the in-process tests: one QGIS Server per process, a demo-like project built
in memory (no PostGIS), requests through QgsBufferServerRequest, and log capture.

run.sh runs each test module in its own process: QGIS Server is a process-wide singleton
whose access control filters cannot be unregistered, so modules must not share one.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import unittest
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

# The plugin folders under test (run.sh mounts them) and the test-only plugins.
PLUGIN_DIRS = [d for d in os.environ.get("STACK_TEST_PLUGINS", "/srv/plugins").split(os.pathsep) if d]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The image's built-in plugins come first, as in the stack: stack_guard and stack_plugin_kit.
sys.path[:0] = [os.environ["QGIS_STACK_BUILTIN_PLUGINS"], *PLUGIN_DIRS, str(FIXTURES)]

from qgis.core import (  # noqa: E402 (after the sys.path set-up above)
    QgsApplication,
    QgsFeature,
    QgsFillSymbol,
    QgsGeometry,
    QgsMapLayer,
    QgsMarkerSymbol,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.server import (  # noqa: E402
    QgsBufferServerRequest,
    QgsBufferServerResponse,
    QgsServer,
    QgsServerFilter,
    QgsServerInterface,
    QgsServerRequest,
)

_state: dict[str, object] = {}

# Demo-like data: map extent x 0..20, y 0..10 (EPSG:4326).
EXTENT = QgsRectangle(0, 0, 20, 10)
PLACES = [
    ("Smallville", 50_000, (2.0, 2.0)),
    ("Midtown", 1_500_000, (5.0, 5.0)),
    ("Megacity", 12_000_000, (15.0, 5.0)),
]
# WMS 1.3.0 with EPSG:4326 takes the BBOX as min lat, min lon, max lat, max lon.
BBOX_130 = "0,0,10,20"


def server() -> QgsServer:
    """The process's QGIS Server (and QgsApplication), made on first use."""
    if "server" not in _state:
        app = QgsApplication([], False)
        app.initQgis()
        _state["app"] = app
        _state["server"] = QgsServer()
    return _state["server"]  # type: ignore[return-value]


def iface() -> QgsServerInterface:
    return server().serverInterface()


def load_plugin(name: str, **env: str | None) -> object:
    """Instantiate a plugin as QGIS Server does at worker start, after setting (str) or
    unsetting (None) environment variables that it reads then."""
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    module = importlib.import_module(name)
    return module.serverClassFactory(iface())


def plugin_module(name: str) -> ModuleType:
    return importlib.import_module(name)


def remove_filters() -> None:
    iface().setFilters({})


class PluginTestCase(unittest.TestCase):
    """One test class, one set of plugins: the filter chain is emptied and the demo project
    made before the class runs, and no filter is left for the next class.
    Subclasses load their plugins (and helper filters) in `set_up_plugins`."""

    project: QgsProject
    loaded: list[object]  # QGIS holds no Python reference to filters: these do

    @classmethod
    def setUpClass(cls) -> None:
        remove_filters()
        cls.project = demo_project()
        cls.loaded = []
        cls.set_up_plugins()

    @classmethod
    def set_up_plugins(cls) -> None:
        """Load the class's plugins with `cls.load` and helper filters with `cls.add_filter`."""

    @classmethod
    def tearDownClass(cls) -> None:
        remove_filters()

    @classmethod
    def load(cls, name: str, **env: str | None) -> object:
        plugin = load_plugin(name, **env)
        cls.loaded.append(plugin)
        return plugin

    @classmethod
    def add_filter(cls, server_filter: QgsServerFilter, priority: int) -> QgsServerFilter:
        iface().registerFilter(server_filter, priority)
        cls.loaded.append(server_filter)
        return server_filter


# --- requests --------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")

    def json(self) -> object:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    query: str,
    project: QgsProject,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Response:
    """GET (or POST when a body is given) http://localhost/?<query> against the project."""
    url = "http://localhost/?" + query
    if body is None:
        req = QgsBufferServerRequest(url, QgsServerRequest.GetMethod, headers or {})
    else:
        req = QgsBufferServerRequest(url, QgsServerRequest.PostMethod, headers or {}, body)
    resp = QgsBufferServerResponse()
    server().handleRequest(req, resp, project)
    return Response(resp.statusCode(), dict(resp.headers()), bytes(resp.body()))


def getmap_query(layers: str, image_format: str = "image/png", width: int = 200, height: int = 100) -> str:
    return (
        f"SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layers}&STYLES=&CRS=EPSG:4326"
        f"&BBOX={BBOX_130}&WIDTH={width}&HEIGHT={height}&FORMAT={image_format}"
    )


def getfeatureinfo_query(layers: str, i: int, j: int, info_format: str, extra: str = "") -> str:
    """On a 200 by 100 map of EXTENT one pixel is 0.1 degree: (i, j) = (10 x, 10 (10 - y))."""
    return (
        f"SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={layers}&QUERY_LAYERS={layers}"
        f"&STYLES=&CRS=EPSG:4326&BBOX={BBOX_130}&WIDTH=200&HEIGHT=100&I={i}&J={j}"
        f"&INFO_FORMAT={info_format}&FEATURE_COUNT=10{extra}"
    )


def wfs_features(typename: str, project: QgsProject, headers: dict[str, str] | None = None) -> Response:
    return request(
        f"SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME={typename}"
        "&OUTPUTFORMAT=application/vnd.geo%2Bjson",
        project,
        headers,
    )


def wfs_insert_point(typename: str, x: float, y: float, name: str) -> bytes:
    return (
        '<wfs:Transaction service="WFS" version="1.0.0" xmlns:wfs="http://www.opengis.net/wfs"'
        ' xmlns:gml="http://www.opengis.net/gml" xmlns:qgs="http://www.qgis.org/gml">'
        f'<wfs:Insert><qgs:{typename}><qgs:geometry><gml:Point srsName="EPSG:4326">'
        f"<gml:coordinates>{x},{y}</gml:coordinates></gml:Point></qgs:geometry>"
        f"<qgs:name>{name}</qgs:name></qgs:{typename}></wfs:Insert></wfs:Transaction>"
    ).encode()


# --- the project -----------------------------------------------------------------------


def set_title(layer: QgsMapLayer, title: str) -> None:
    # QGIS 3.38 moved the title into serverProperties(); 3.22 only has setTitle().
    properties = layer.serverProperties() if hasattr(layer, "serverProperties") else None
    if properties is not None and hasattr(properties, "setTitle"):
        properties.setTitle(title)
    else:
        layer.setTitle(title)


def memory_layer(
    uri: str, name: str, title: str, rows: list[tuple[list[object], QgsGeometry]]
) -> QgsVectorLayer:
    layer = QgsVectorLayer(uri, name, "memory")
    features = []
    for attributes, geometry in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes(attributes)
        feature.setGeometry(geometry)
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    set_title(layer, title)
    return layer


def demo_project() -> QgsProject:
    """The demo's layers that the rules example names, small and in memory."""
    countries = memory_layer(
        "Polygon?crs=epsg:4326&field=name:string&field=iso_a3:string&field=wb_a2:string&field=wb_a3:string",
        "countries",
        "Countries",
        [
            (["Alphaland", "ALP", "AL", "ALP"], QgsGeometry.fromRect(QgsRectangle(0, 0, 10, 10))),
            (["Betania", "BET", "BE", "BET"], QgsGeometry.fromRect(QgsRectangle(10, 0, 20, 10))),
        ],
    )
    countries.setRenderer(
        QgsSingleSymbolRenderer(QgsFillSymbol.createSimple({"color": "#efe6cf", "outline_color": "#8a7f6a"}))
    )
    places = memory_layer(
        "Point?crs=epsg:4326&field=name:string&field=pop_max:integer",
        "places",
        "Populated places",
        [([name, pop], QgsGeometry.fromPointXY(QgsPointXY(*xy))) for name, pop, xy in PLACES],
    )
    places.setRenderer(
        QgsSingleSymbolRenderer(
            QgsMarkerSymbol.createSimple({"name": "circle", "color": "#b2182b", "size": "2"})
        )
    )
    observations = memory_layer(
        "Point?crs=epsg:4326&field=name:string&field=kind:string",
        "observations",
        "Observations (editable)",
        [(["Heron", "sighting"], QgsGeometry.fromPointXY(QgsPointXY(3, 7)))],
    )
    project = QgsProject()
    project.setCrs(countries.crs())
    for layer in (observations, places, countries):  # top of the map first
        project.addMapLayer(layer)
    vectors = [layer.id() for layer in (observations, places, countries)]
    project.writeEntry("WMSServiceCapabilities", "/", True)
    project.writeEntry("WMSExtent", "/", ["0", "0", "20", "10"])
    project.writeEntry("WFSLayers", "/", vectors)
    # WFS-T on for both point layers at project level: the rules decide who may edit.
    for operation in ("Insert", "Update", "Delete"):
        project.writeEntry("WFSTLayers", operation, [observations.id(), places.id()])
    return project


# --- observing ---------------------------------------------------------------------------


@dataclass
class LogCapture:
    messages: list[tuple[str, int, str]] = field(default_factory=list)  # (tag, level, message)

    def _received(self, message: str, tag: str, level: object) -> None:
        self.messages.append((tag, int(level), message))

    def text(self, tag: str | None = None) -> str:
        return "\n".join(m for t, _, m in self.messages if tag is None or t == tag)


@contextmanager
def qgis_log() -> Iterator[LogCapture]:
    """QgsMessageLog messages emitted inside the block (what reaches the server log)."""
    capture = LogCapture()
    log = QgsApplication.messageLog()
    log.messageReceived.connect(capture._received)
    try:
        yield capture
    finally:
        log.messageReceived.disconnect(capture._received)


@contextmanager
def stderr_lines() -> Iterator[list[str]]:
    """Lines written to file descriptor 2 inside the block (what reaches docker logs)."""
    lines: list[str] = []
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())
