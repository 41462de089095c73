"""`make cache-clear`: a new generation for nginx's tile cache, at once. Every stored tile
becomes unreachable (the generation is part of the cache key) and ages out of the tmpfs;
projects, styles and rules that change do the same by themselves (nginx/cache-watch.sh)."""

from __future__ import annotations

import argparse
import sys
import time

import docker

from stack.core.console import say
from stack.core.errors import StackError
from stack.core.settings import load
from stack.deploy.containers import service_container

NGINX_CONFIG = "/tmp/nginx/nginx.conf"  # where nginx-entrypoint renders it
# Sent with a request, nginx passes it to QGIS even when the tile is stored
# (nginx/tile-cache-http.conf.template): for measuring or loading QGIS, not the cache.
CACHE_BYPASS = {"X-Stack-Cache": "bypass"}


def clear(client: docker.DockerClient, project_name: str) -> None:
    nginx = service_container(client, project_name, "nginx")
    result = nginx.exec_run(["nginx-cache-watch", "clear", NGINX_CONFIG])
    if result.exit_code != 0:
        raise StackError(f"clearing the tile cache failed: {result.output.decode(errors='replace').strip()}")


def settled(client: docker.DockerClient, project_name: str) -> bool:
    """No change to projects, styles, rules or data waits for the watcher, and no reload of
    nginx is under way: what is stored now stays reachable until the next change."""
    nginx = service_container(client, project_name, "nginx")
    return nginx.exec_run(["nginx-cache-watch", "settled"]).exit_code == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make cache-clear", description=__doc__)
    parser.add_argument("--qgis", help="QGIS version of the running stack")
    settings = load(parser.parse_args(argv).qgis)
    started = time.monotonic()
    try:
        clear(docker.from_env(), settings.project_name)
    except (StackError, LookupError) as error:
        print(f"stack: error: {error}", file=sys.stderr)
        return 1
    took = time.monotonic() - started
    say(f"tile cache of {settings.project_name} cleared (new generation) in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
