"""python -m stack …: the commands behind the Makefile."""

from __future__ import annotations

import argparse
import sys
import time

import docker

from stack.core.console import say
from stack.core.errors import StackError
from stack.core.settings import SERVICES, Settings, load
from stack.core.waiting import wait_until
from stack.deploy import lifecycle, reload
from stack.deploy.compose import compose
from stack.deploy.containers import stack_containers, state_of
from stack.deploy.health import healthy
from stack.deploy.swarm.cli import add_commands as add_swarm_commands
from stack.provision.engine import ensure_engine
from stack.repro.commands import add_parser as add_repro_parser


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    started = time.monotonic()
    lifecycle.up(settings, lifecycle.command_log(settings, "up"), build_images=not args.no_build)
    say(f"up and healthy in {time.monotonic() - started:.0f} s:")
    for line in lifecycle.urls(settings):
        print(f"  {line}")
    return 0


def cmd_down(settings: Settings, args: argparse.Namespace) -> int:
    lifecycle.down(settings, lifecycle.command_log(settings, "down"), volumes=args.volumes)
    return 0


def cmd_ps(settings: Settings, args: argparse.Namespace) -> int:
    client = docker.from_env()
    rows = [state_of(c) for c in stack_containers(client, settings.project_name)]
    if not rows:
        say(f"no containers of project {settings.project_name}; `make up` starts them")
        return 1
    print(f"{'SERVICE':14} {'STATUS':10} {'HEALTH':10} NAME")
    for row in rows:
        print(f"{row.service:14} {row.status:10} {row.health:10} {row.name}")
    ok = healthy(settings.base_url)
    print(f"\n{settings.base_url}/healthz: {'200 OK' if ok else 'not answering 200'}")
    return 0 if ok else 1


def cmd_logs(settings: Settings, args: argparse.Namespace) -> int:
    follow = ["--follow"] if args.follow else []
    return compose(settings, "logs", "--tail", str(args.tail), *follow, *args.services, check=False)


def cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    unknown = set(args.services) - set(SERVICES)
    if unknown:
        raise StackError(f"no such service: {', '.join(sorted(unknown))}; choose from {', '.join(SERVICES)}")
    lifecycle.build(settings, lifecycle.command_log(settings, "build"), tuple(args.services) or SERVICES)
    return 0


def cmd_reload(settings: Settings, args: argparse.Namespace) -> int:
    reload.reload(settings)
    return 0


def cmd_wait(settings: Settings, args: argparse.Namespace) -> int:
    if wait_until(lambda: healthy(settings.base_url), args.timeout):
        return 0
    say(f"{settings.base_url}/healthz did not answer 200 within {args.timeout} s")
    return 1


def cmd_engine(settings: Settings, args: argparse.Namespace) -> int:
    ensure_engine(settings.debian_mirror, lifecycle.command_log(settings, "engine"))
    say("Docker engine and Compose v2 are usable")
    return 0


def cmd_prepare(settings: Settings, args: argparse.Namespace) -> int:
    lifecycle.prepare(settings, lifecycle.command_log(settings, "prepare"))
    return 0


def cmd_image(settings: Settings, args: argparse.Namespace) -> int:
    print(settings.image(args.service))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m stack", description="Run the qgis-stack.")
    top.add_argument("--qgis", help="QGIS version: 3.22, 3.40 (default) or 3.44; or set QGIS")
    sub = top.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="build what is missing, start, wait until healthy, print URLs")
    up.add_argument("--no-build", action="store_true", help="use the images as they are")
    up.set_defaults(run=cmd_up)

    down = sub.add_parser("down", help="stop and remove the containers")
    down.add_argument("--volumes", action="store_true", help="also delete the PostGIS data")
    down.set_defaults(run=cmd_down)

    sub.add_parser("ps", help="containers, their health, and /healthz").set_defaults(run=cmd_ps)

    logs = sub.add_parser("logs", help="container logs")
    logs.add_argument("services", nargs="*", help="only these services")
    logs.add_argument("--tail", type=int, default=200)
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(run=cmd_logs)

    build = sub.add_parser("build", help="build the images (of these services only)")
    build.add_argument("services", nargs="*", help=f"only these of {', '.join(SERVICES)}")
    build.set_defaults(run=cmd_build)

    sub.add_parser(
        "reload", help="apply changed plugins, projects, rules and nginx config, failing no request"
    ).set_defaults(run=cmd_reload)

    wait = sub.add_parser("wait", help="wait until /healthz answers 200")
    wait.add_argument("--timeout", type=float, default=120)
    wait.set_defaults(run=cmd_wait)

    sub.add_parser("engine", help="make Docker usable (install it on Debian)").set_defaults(run=cmd_engine)
    sub.add_parser("prepare", help="engine, secrets, base images").set_defaults(run=cmd_prepare)

    image = sub.add_parser("image", help="print the image tag of a service for the chosen version")
    image.add_argument("service", choices=SERVICES)
    image.set_defaults(run=cmd_image)

    add_repro_parser(sub)
    add_swarm_commands(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(load(args.qgis), args)
    except StackError as error:
        say(f"error: {error}")
        return 2
    except KeyboardInterrupt:
        return 130
    except docker.errors.DockerException as error:
        say(f"error: Docker: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
