"""The suite's own settings; the stack's fixtures come from the qgis_stack pytest plugin
(stack/harness/pytest_plugin.py)."""

import pytest

# tests/inprocess runs inside the qgis-server image (`make plugin-test`), where PyQGIS is.
collect_ignore = ["inprocess"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fault tests restart PostGIS and QGIS under the others' session connections: run them last."""
    items.sort(key=lambda item: item.get_closest_marker("faults") is not None)
