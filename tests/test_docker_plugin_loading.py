"""A plugin that fails to load makes QGIS Server unhealthy, with its name and traceback."""

from pathlib import Path

import pytest

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.deploy.containers import health_status, last_probe_output
from stack.harness.throwaway import healthy, plugin_folder

pytestmark = pytest.mark.docker


def test_a_plugin_that_fails_to_load_makes_the_container_unhealthy_naming_it(
    tmp_path: Path, start_qgis_server
) -> None:
    plugins = plugin_folder(
        tmp_path, REPO_ROOT / "plugins/stack_info", REPO_ROOT / "tests/fixtures/broken_plugin"
    )
    container = start_qgis_server(plugins)

    # Unhealthy because of the plugin, not merely because the workers are still starting.
    def unhealthy_naming_the_plugin() -> bool:
        return health_status(container) == "unhealthy" and '"broken_plugin"' in last_probe_output(container)

    assert wait_until(unhealthy_naming_the_plugin, timeout_s=90), last_probe_output(container)
    log = container.logs().decode(errors="replace")
    assert "Traceback" in log
    assert "broken_plugin fails to load on purpose" in log


def test_the_same_container_with_loadable_plugins_is_healthy(tmp_path: Path, start_qgis_server) -> None:
    container = start_qgis_server(plugin_folder(tmp_path, REPO_ROOT / "plugins/stack_info"))

    healthy(container, timeout_s=90)
    assert '"failed": []' in last_probe_output(container)
