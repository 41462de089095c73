"""The suite's own settings; the stack's fixtures come from the qgis_stack pytest plugin
(stack/harness/pytest_plugin.py)."""

# tests/inprocess runs inside the qgis-server image (`make plugin-test`), where PyQGIS is.
collect_ignore = ["inprocess"]
