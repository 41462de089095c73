"""The deployment's settings file documents every variable the deployment reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stack.core.settings import REPO_ROOT, read_env_file
from stack.deploy.swarm.settings import DEFAULTS, image_defaults
from stack.deploy.swarm.tls import subject_alt_names


def test_the_example_documents_every_variable_with_its_default() -> None:
    example = read_env_file(REPO_ROOT / ".env.staging.example")
    missing = sorted(set(DEFAULTS) - set(example))
    assert not missing, f".env.staging.example lacks {missing}"
    differing = {
        name: (example[name], DEFAULTS[name]) for name in DEFAULTS if example[name] != DEFAULTS[name]
    }
    assert not differing, f"example value vs default: {differing}"


def test_every_variable_the_stack_file_reads_has_a_source() -> None:
    import re

    stack_file = (REPO_ROOT / "swarm" / "stack.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)\}", stack_file))
    computed = {
        "STACK_POSTGIS_IMAGE",
        "STACK_QGIS_IMAGE",
        "STACK_NGINX_IMAGE",
        "DEBIAN_SUITE",
        "STACK_DEPLOY_GENERATION",
        "STACK_NGINX_CONSTRAINT",
        "QGIS_FCGI_PORT",
    }
    files = {name for name in used if name.startswith(("STACK_FILE_", "STACK_HASH_"))}
    assert not used - set(DEFAULTS) - computed - files


def test_ip_addresses_and_names_go_into_the_right_kind_of_subject_alt_name() -> None:
    assert (
        subject_alt_names(["maps.example.org", "127.0.0.1", "::1"])
        == "DNS:maps.example.org,IP:127.0.0.1,IP:::1"
    )


def test_the_stack_file_never_publishes_through_the_ingress_mesh() -> None:
    # No IPVS on these kernels: ingress-mode ports and VIPs do not work.
    stack_file = Path(REPO_ROOT / "swarm" / "stack.yml").read_text()
    assert stack_file.count("mode: host") == 2
    assert stack_file.count("endpoint_mode: dnsrr") == 3


@pytest.mark.parametrize(
    ("image", "service"),
    [("qgis-server", "qgis-server"), ("qgis-server-site", "qgis-server"), ("nginx", "nginx")],
)
def test_the_stack_file_passes_every_setting_of_the_image_on(image: str, service: str) -> None:
    stack = yaml.safe_load((REPO_ROOT / "swarm" / "stack.yml").read_text())
    environment = stack["services"][service]["environment"]

    for name in image_defaults(image):
        assert environment.get(name) == f"${{{name}}}", name


def test_the_image_defaults_come_from_the_images_files() -> None:
    assert DEFAULTS["STACK_INFO_ALLOW"] == image_defaults("nginx")["STACK_INFO_ALLOW"] == "127.0.0.1"
    assert DEFAULTS["QGIS_WORKER_RETRIES"] == image_defaults("qgis-server")["QGIS_WORKER_RETRIES"]
