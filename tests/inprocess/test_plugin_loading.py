"""Every plugin folder under test loads as QGIS Server loads it at worker start, the
plugins work side by side, and STACKINFO (when among them) reports the worker healthy.

QgsServer.initPython() (what qgis_mapserv.fcgi calls) crashes inside a running Python, so
this does what it does through qgis.utils: read metadata.txt, import the package, and
startServerPlugin(), which calls serverClassFactory and records the plugin as active."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unittest
from pathlib import Path

import harness

# Set before QGIS Server starts: it loads the plugins (and they read these) only then.
os.environ["QGIS_PLUGINPATH"] = os.pathsep.join(harness.PLUGIN_DIRS)
RULES_DIR = Path(tempfile.mkdtemp(prefix="stack-loading-"))
os.environ["STACK_ACCESS_RULES"] = str(RULES_DIR / "access-rules.yaml")
os.environ["STACK_WATERMARK_TEXT"] = "loaded by QGIS"
os.environ["STACK_PG_SERVICE"] = ""

import configparser  # noqa: E402

import qgis.utils  # noqa: E402


def plugin_paths() -> list[Path]:
    """Folders with a metadata.txt: what QGIS (and stack_info) count as plugins."""
    return sorted(
        entry
        for directory in harness.PLUGIN_DIRS
        for entry in Path(directory).iterdir()
        if (entry / "__init__.py").is_file() and (entry / "metadata.txt").is_file()
    )


def plugin_folders() -> set[str]:
    return {path.name for path in plugin_paths()}


def is_server_plugin(folder: Path) -> bool:
    """QGIS Server loads a folder whose metadata.txt says server=True."""
    metadata = configparser.ConfigParser(interpolation=None)
    metadata.read(folder / "metadata.txt")
    return metadata.get("general", "server", fallback="") == "True"


class PluginLoadingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        shutil.copy(harness.FIXTURES / "access-rules.yaml", RULES_DIR / "access-rules.yaml")
        qgis.utils.serverIface = harness.iface()
        for path in plugin_paths():
            if is_server_plugin(path):
                __import__(path.name)
                qgis.utils.startServerPlugin(path.name)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(RULES_DIR)

    def test_every_plugin_folder_is_loaded(self) -> None:
        self.assertTrue(plugin_folders())
        self.assertEqual(plugin_folders() - set(qgis.utils.server_active_plugins), set())

    def test_stack_info_reports_healthy(self) -> None:
        if "stack_info" not in plugin_folders():
            self.skipTest("stack_info is not among the plugin folders under test")
        response = harness.request("SERVICE=STACKINFO&REQUEST=GetInfo", harness.demo_project())

        report = json.loads(response.body)
        self.assertEqual((response.status, report["healthy"]), (200, True), report)
        self.assertEqual(report["plugins"]["failed"], [])

    def test_the_loaded_plugins_work_together(self) -> None:
        project = harness.demo_project()
        if "stack_access" in plugin_folders():
            features = harness.wfs_features("places", project).json()["features"]
            self.assertEqual(len(features), 2, "anonymous sees big places only")
        response = harness.request(harness.getmap_query("countries,places"), project)
        self.assertEqual((response.status, response.header("Content-Type")), (200, "image/png"))
        if "stack_featureinfo" in plugin_folders():
            query = harness.getfeatureinfo_query("places", 55, 50, "application/json")
            features = harness.request(query, project).json()["features"]
            self.assertEqual(features[0]["properties"]["stack:layer_title"], "Populated places")


if __name__ == "__main__":
    unittest.main()
