"""The suite's own settings; the fixtures come from the stack.pytest_plugin entry point."""

# tests/inprocess runs inside the qgis-server image (`make plugin-test`), where PyQGIS is.
collect_ignore = ["inprocess"]
