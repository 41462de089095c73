"""Container limits and log rotation: decided in stack.core.settings, documented in
.env.example, required by compose."""

from pathlib import Path

import yaml

from stack.core.settings import CONTAINER_LIMITS, LOG_ROTATION, REPO_ROOT, load, read_env_file


def test_env_example_documents_the_limits_with_their_defaults() -> None:
    documented = read_env_file(REPO_ROOT / ".env.example")

    assert {name: documented.get(name) for name in CONTAINER_LIMITS} == CONTAINER_LIMITS


def test_every_service_has_a_memory_limit_from_the_settings() -> None:
    services = yaml.safe_load(Path(REPO_ROOT / "docker-compose.yml").read_text())["services"]

    for name, service in services.items():
        memory = service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory", "")
        variable = memory.removeprefix("${").removesuffix(":?}")
        assert memory == f"${{{variable}:?}}" and variable in CONTAINER_LIMITS, name


def test_settings_stay_hashable_and_hand_the_limits_to_compose() -> None:
    settings = load()

    hash(settings)  # the harness caches OWSLib clients per StackHandle, which holds the settings
    assert {name: settings.compose_env()[name] for name in CONTAINER_LIMITS}.keys() == CONTAINER_LIMITS.keys()


def test_every_service_rotates_its_log_with_the_settings_sizes() -> None:
    services = yaml.safe_load(Path(REPO_ROOT / "docker-compose.yml").read_text())["services"]

    for name, service in services.items():
        assert service.get("logging") == {
            "driver": "json-file",
            "options": {"max-size": "${STACK_LOG_MAX_SIZE:?}", "max-file": "${STACK_LOG_MAX_FILES:?}"},
        }, name
    assert set(LOG_ROTATION) <= set(CONTAINER_LIMITS)
