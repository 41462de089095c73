"""Each image's defaults.env is the one home of its settings' defaults: .env.example
documents the same values, and docker-compose.yml passes every one of them on."""

from pathlib import Path

import pytest
import yaml

from stack.core.settings import REPO_ROOT, read_env_file

IMAGES = {"qgis-server": "qgis-server", "nginx": "nginx"}  # image folder → compose service


def defaults(folder: str) -> dict[str, str]:
    return read_env_file(REPO_ROOT / folder / "defaults.env")


@pytest.mark.parametrize("folder", IMAGES)
def test_env_example_documents_the_images_defaults(folder: str) -> None:
    documented = read_env_file(REPO_ROOT / ".env.example")

    assert {name: documented.get(name) for name in defaults(folder)} == defaults(folder)


@pytest.mark.parametrize(("folder", "service"), IMAGES.items())
def test_compose_passes_every_setting_of_the_image_on(folder: str, service: str) -> None:
    compose = yaml.safe_load(Path(REPO_ROOT / "docker-compose.yml").read_text())
    environment = compose["services"][service]["environment"]

    for name in defaults(folder):
        assert environment.get(name) == f"${{{name}:-}}", name
