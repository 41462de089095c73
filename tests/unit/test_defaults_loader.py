"""The images' settings loader (load_defaults) has one text: the nginx image carries a copy
because a Docker build sees only its own folder."""

from stack.core.settings import REPO_ROOT


def test_nginx_and_qgis_server_load_their_defaults_with_the_same_script() -> None:
    nginx, qgis_server = (REPO_ROOT / f"{image}/defaults.sh" for image in ("nginx", "qgis-server"))

    assert nginx.read_bytes() == qgis_server.read_bytes()
