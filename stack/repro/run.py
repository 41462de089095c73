"""make repro: stage the case, and per version start the stack, load the data, check the
layers, replay the requests; then the side-by-side report."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import docker

from stack.core.console import say, step
from stack.core.settings import Settings, load
from stack.core.versions import RELEASES
from stack.deploy import lifecycle
from stack.deploy.containers import service_container
from stack.deploy.health import healthy
from stack.harness import stack_info
from stack.harness.handle import StackHandle
from stack.repro.case import Case, CaseError, load_case
from stack.repro.database import install_services, load_dumps
from stack.repro.layercheck import check_in_qgis
from stack.repro.replay import RESULTS_FILE, Outcome, read_outcomes, replay
from stack.repro.report import collect, summary, write_report
from stack.repro.requests_file import ReplayRequest, read_requests
from stack.repro.stage import stage

REPORTS = Path("reports") / "repro"


def choose_versions(case: Case, wanted: str, default: str) -> list[str]:
    """'' → the configured version; 'all' → the case's versions or every one; else a list."""
    if not wanted.strip():
        return [default]
    if wanted.strip() == "all":
        return list(case.versions or RELEASES)
    chosen = [v for v in wanted.replace(",", " ").split() if v]
    unknown = [v for v in chosen if v not in RELEASES]
    if unknown:
        raise CaseError(f"QGIS={','.join(unknown)}: choose from {', '.join(RELEASES)} or all")
    return chosen


def served_version(settings: Settings) -> str | None:
    """'3.40.6': what the stack's own report says (QGIS no longer tells clients)."""
    version = stack_info.served_version(StackHandle(settings.base_url, "demo", settings))
    return ".".join(map(str, version)) if version else None


def stack_matches(settings: Settings, case: Case) -> bool:
    """A healthy stack at this version, already running with the case's settings."""
    if not healthy(settings.base_url):
        return False
    version = served_version(settings)
    if not version or not version.startswith(settings.release.version + "."):
        return False
    try:
        qgis = service_container(docker.from_env(), settings.project_name, "qgis-server")
        nginx = service_container(docker.from_env(), settings.project_name, "nginx")
    except LookupError:
        return False
    env = set(qgis.attrs["Config"]["Env"]) | set(nginx.attrs["Config"]["Env"])
    mounts = {m.get("Destination") for m in qgis.attrs.get("Mounts", [])}
    return "/srv/qgis/repro" in mounts and all(f"{k}={v}" in env for k, v in case.environment.items())


def run_version(
    case: Case, version: str, requests_file_entries: list[ReplayRequest], out_root: Path
) -> list[Outcome]:
    settings = load(version)
    log = lifecycle.command_log(settings, "repro")
    for key, value in case.environment.items():
        os.environ[key] = value  # compose reads them; the case decides them
    say(f"QGIS {version}: case {case.name}")
    if stack_matches(settings, case):
        say(f"the stack at {settings.base_url} already serves QGIS {version} as the case needs")
    else:
        lifecycle.up(settings, log)
    client = docker.from_env()
    # A replay that writes (WFS-T) must start from the dumps each time, or runs differ.
    load_dumps(client, settings, case, fresh=any(r.method == "POST" for r in requests_file_entries))
    install_services(client, settings, case)
    with step(f"checking the layers of {case.project.name} in QGIS {version}"):
        check_in_qgis(client, settings, case)
    out = out_root / version
    say(f"replaying {len(requests_file_entries)} request(s) at {settings.base_url}/ows/{case.name} → {out}")
    started = time.monotonic()
    outcomes = replay(settings, case, requests_file_entries, out)
    (out / "meta.json").write_text(
        json.dumps(
            {
                "version": version,
                "served": served_version(settings),
                "case": case.name,
                "seconds": time.monotonic() - started,
            },
            indent=1,
        )
        + "\n"
    )
    return outcomes


def reported_versions(out_root: Path, ran: list[str], names: list[str]) -> list[str]:
    """The versions just run, and earlier runs of the same requests: a run at one version
    refreshes its column of the side-by-side report. Oldest version first."""
    kept = set(ran)
    for version in RELEASES:
        earlier = out_root / version
        if version in kept or not (earlier / RESULTS_FILE).is_file():
            continue
        if [o.name for o in read_outcomes(earlier)] == names:
            kept.add(version)
    return sorted(kept, key=list(RELEASES).index)


def run_case(folder: Path, wanted: str, root: Path) -> int:
    started = time.monotonic()
    case = load_case(folder)
    entries = read_requests(case.requests_file)
    base = load()
    versions = choose_versions(case, wanted, base.release.version)
    with step(f"staging {case.project.name} for /ows/{case.name} in {base.repro_dir / case.name}"):
        stage(case, base.repro_dir)
    out_root = root / REPORTS / case.name
    for version in versions:
        run_version(case, version, entries, out_root)
    shown = reported_versions(out_root, versions, [r.name for r in entries])
    report = write_report(case, out_root, shown)
    print(summary(collect(out_root, shown)))
    size = report.stat().st_size
    say(
        f"report: {report} ({size / 1024:.0f} KiB); "
        f"{len(versions)} version(s) in {time.monotonic() - started:.0f} s"
    )
    if case.stack_settings or case.access_rules:
        changed = ", ".join(f"{k}={v}" for k, v in case.environment.items())
        say(f"the stack still runs with this case's settings ({changed}); `make up` restores yours")
    return 0
