"""`python -m stack repro …`: run, init, from-log, to-test."""

from __future__ import annotations

import argparse
from pathlib import Path

from stack.core.console import say
from stack.core.settings import Settings


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from stack.repro.run import run_case

    return run_case(Path(args.case), args.versions or "", settings.root)


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from stack.repro.scaffold import scaffold

    folder = scaffold(Path(args.case), Path(args.project) if args.project else None)
    say(f"wrote {folder}: fill in case.toml and requests.txt, then `make repro CASE={args.case}`")
    return 0


def cmd_from_log(settings: Settings, args: argparse.Namespace) -> int:
    from stack.repro.from_log import LogFilter, write_requests

    chosen = LogFilter(
        project=args.project,
        status=args.status,
        since=args.since,
        until=args.until,
        request_id=args.request_id,
    )
    count, target = write_requests([Path(p) for p in args.logs], Path(args.case), chosen, append=args.append)
    say(f"wrote {count} request(s) to {target}")
    return 0 if count else 1


def cmd_to_test(settings: Settings, args: argparse.Namespace) -> int:
    from stack.repro.to_test import write_test

    target = write_test(Path(args.case), settings.root)
    say(f"wrote {target}: `make integration-test` runs it")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    repro = sub.add_parser("repro", help="reproduce a production case (make repro CASE=…)")
    commands = repro.add_subparsers(dest="repro_command", required=True)

    run = commands.add_parser("run", help="replay a case at one, several or all versions")
    run.add_argument("case", help="the case folder, e.g. cases/wfs-axis-order")
    run.add_argument("--versions", default="", help="3.22, 3.40, 3.44, a list, or all (default: QGIS)")
    run.set_defaults(run=cmd_run)

    init = commands.add_parser("init", help="scaffold a case folder with commented examples")
    init.add_argument("case", help="the folder to create, e.g. cases/my-bug")
    init.add_argument("--project", help="a .qgs/.qgz to copy in (with nothing else)")
    init.set_defaults(run=cmd_init)

    log = commands.add_parser("from-log", help="write a case's requests.txt from an access log")
    log.add_argument(
        "logs", nargs="+", help="nginx JSON log (ours), stack_request_log lines, combined format"
    )
    log.add_argument("--case", required=True, help="the case folder whose requests.txt to write")
    log.add_argument("--project", help="only requests to /ows/<project> (or this project file)")
    log.add_argument("--status", help="only these statuses: 500, 5xx, 400-499, or a list 500,504")
    log.add_argument("--since", help="only at or after this time (ISO 8601)")
    log.add_argument("--until", help="only before this time (ISO 8601)")
    log.add_argument("--request-id", help="only this request id")
    log.add_argument("--append", action="store_true", help="add to requests.txt instead of replacing it")
    log.set_defaults(run=cmd_from_log)

    to_test = commands.add_parser("to-test", help="write tests/regressions/test_<case>.py from the last run")
    to_test.add_argument("case", help="the case folder (its last `make repro` run says which versions fail)")
    to_test.set_defaults(run=cmd_to_test)
