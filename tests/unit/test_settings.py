"""Where settings come from: command line > environment > .env > defaults."""

import re
from pathlib import Path

import pytest

from stack.core.errors import StackError
from stack.core.settings import REPO_ROOT, load, read_env_file


def test_env_file_lines_are_read_without_comments_or_quotes(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# comment\n\nQGIS=3.22\nSTACK_HTTP_PORT='9090'\nexport POSTGRES_DB=\"maps\"\nnot a line\n"
    )

    assert read_env_file(env) == {"QGIS": "3.22", "STACK_HTTP_PORT": "9090", "POSTGRES_DB": "maps"}


def test_environment_beats_env_file_and_command_line_beats_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("QGIS=3.22\nSTACK_HTTP_PORT=9090\n")
    monkeypatch.delenv("QGIS", raising=False)
    monkeypatch.delenv("STACK_HTTP_PORT", raising=False)
    assert load(root=tmp_path).release.version == "3.22"
    assert load(root=tmp_path).base_url == "http://127.0.0.1:9090"

    monkeypatch.setenv("QGIS", "3.44")
    assert load(root=tmp_path).release.version == "3.44"
    assert load("3.40", root=tmp_path).release.version == "3.40"


def test_compose_gets_the_suite_that_matches_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    env = load("3.44", root=tmp_path).compose_env()

    assert {name: env[name] for name in ("QGIS_VERSION", "DEBIAN_SUITE", "APT_CHECK_VALID_UNTIL")} == {
        "QGIS_VERSION": "3.44",
        "DEBIAN_SUITE": "sid",
        "APT_CHECK_VALID_UNTIL": "false",
    }


def test_compose_gets_every_variable_the_compose_file_requires(tmp_path: Path) -> None:
    required = set(re.findall(r"\$\{([A-Z_]+):\?", (REPO_ROOT / "docker-compose.yml").read_text()))

    assert required <= set(load(root=tmp_path).compose_env())


def test_the_postgis_volume_is_per_suite_because_data_is_per_postgresql_major(tmp_path: Path) -> None:
    assert load("3.22", root=tmp_path).pgdata_volume.endswith("_pgdata_bookworm")
    assert load("3.40", root=tmp_path).pgdata_volume.endswith("_pgdata_trixie")


@pytest.mark.parametrize("port", ["http", "0", "70000"])
def test_a_bad_port_is_refused_with_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    monkeypatch.setenv("STACK_HTTP_PORT", port)
    with pytest.raises(StackError, match="STACK_HTTP_PORT"):
        load(root=tmp_path)
