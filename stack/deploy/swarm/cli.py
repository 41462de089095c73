"""python -m stack deploy | undeploy | deploy-status | bundle | load."""

from __future__ import annotations

import argparse
from pathlib import Path

from stack.core.settings import Settings
from stack.deploy.swarm import deploy as swarm
from stack.deploy.swarm.bundle import load_bundle, write_bundle
from stack.deploy.swarm.engine import Engine
from stack.deploy.swarm.settings import load_deploy
from stack.deploy.swarm.site_images import build_site_images


def cmd_deploy(settings: Settings, args: argparse.Namespace) -> int:
    swarm.deploy(load_deploy(args.qgis, env_file=args.env_file), build=not args.no_build, force=args.force)
    return 0


def cmd_undeploy(settings: Settings, args: argparse.Namespace) -> int:
    swarm.undeploy(load_deploy(args.qgis, env_file=args.env_file), volumes=args.volumes)
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    return swarm.status(load_deploy(args.qgis, env_file=args.env_file))


def cmd_bundle(settings: Settings, args: argparse.Namespace) -> int:
    deploy_settings = load_deploy(args.qgis, env_file=args.env_file)
    version = deploy_settings.base.release.version
    target = Path(args.output or f"dist/qgis-stack-{version}.tar.gz")
    write_bundle(deploy_settings, build_site_images(deploy_settings), target)
    return 0


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    load_bundle(Path(args.bundle), Engine(args.host or ""))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    def with_env_file(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--env-file", default=".env.staging", help="deployment settings (default .env.staging)"
        )
        return parser

    deploy = with_env_file(sub.add_parser("deploy", help="build, ship and deploy the stack on Docker Swarm"))
    deploy.add_argument("--no-build", action="store_true", help="use the images already here (after `load`)")
    deploy.add_argument(
        "--force", action="store_true", help="roll every QGIS replica even if nothing changed"
    )
    deploy.set_defaults(run=cmd_deploy)

    undeploy = with_env_file(sub.add_parser("undeploy", help="remove the stack from the swarm"))
    undeploy.add_argument("--volumes", action="store_true", help="also delete the PostGIS volume")
    undeploy.set_defaults(run=cmd_undeploy)

    with_env_file(
        sub.add_parser("deploy-status", help="services, tasks and /healthz of the deployment")
    ).set_defaults(run=cmd_status)

    bundle = with_env_file(sub.add_parser("bundle", help="every image of one QGIS version in one gzip file"))
    bundle.add_argument("--output", help="file to write (default dist/qgis-stack-<version>.tar.gz)")
    bundle.set_defaults(run=cmd_bundle)

    load = sub.add_parser("load", help="load a bundle into a Docker engine")
    load.add_argument("bundle", help="the file `bundle` wrote")
    load.add_argument(
        "--host", help="engine to load into: ssh://…, tcp://…, unix://… or a context (default: docker's)"
    )
    load.set_defaults(run=cmd_load)
