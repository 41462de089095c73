"""What a test written by `stack repro to-test` uses: the case prepared on the stack under
test (staged, data loaded, layers checked), its requests sent one by one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from stack.deploy.containers import service_container
from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion
from stack.repro.case import Case, load_case
from stack.repro.database import install_services, load_dumps
from stack.repro.layercheck import check_in_qgis
from stack.repro.replay import Outcome, send
from stack.repro.requests_file import ReplayRequest, read_requests
from stack.repro.stage import stage


@dataclass(frozen=True)
class PreparedCase:
    stack: StackHandle
    case: Case
    requests: dict[str, ReplayRequest]
    out: Path

    def send(self, name: str) -> Outcome:
        assert self.stack.settings is not None
        return send(self.stack.settings, self.case, self.requests[name], self.out)


def prepared_case(stack: StackHandle, folder: str) -> PreparedCase:
    if stack.settings is None:
        pytest.skip("a reproduction case needs the local stack (its data goes into PostGIS)")
    settings = stack.settings
    case = load_case(settings.root / folder)
    client = docker.from_env()
    if case.access_rules is not None and not runs_with(client, stack, case):
        # The suite's stack serves everyone under access/rules.yaml; `make repro` restarts it.
        pytest.skip(f"{folder} runs under access rules of its own: make repro CASE={folder}")
    stage(case, settings.repro_dir)
    requests_ = read_requests(case.requests_file)
    load_dumps(client, settings, case, fresh=any(r.method == "POST" for r in requests_))
    install_services(client, settings, case)
    check_in_qgis(client, settings, case)
    out = settings.root / "reports" / "regressions" / case.name
    out.mkdir(parents=True, exist_ok=True)
    return PreparedCase(stack, case, {r.name: r for r in requests_}, out)


def runs_with(client: docker.DockerClient, stack: StackHandle, case: Case) -> bool:
    assert stack.settings is not None
    qgis = service_container(client, stack.settings.project_name, "qgis-server")
    wanted = f"STACK_ACCESS_RULES={case.environment['STACK_ACCESS_RULES']}"
    return wanted in qgis.attrs["Config"]["Env"]


def shown(version: QgisVersion | None) -> str:
    return ".".join(map(str, version[:2])) if version else ""


def known_bug_on(
    request: pytest.FixtureRequest, version: QgisVersion | None, failing: dict[str, str]
) -> None:
    """known_bug for a set of versions that is not 'all before X': strict xfail naming the bug."""
    bug = failing.get(shown(version))
    if bug:
        request.applymarker(pytest.mark.xfail(reason=f"QGIS {shown(version)}: {bug}", strict=True))


def hangs_on(version: QgisVersion | None, hanging: dict[str, str]) -> None:
    """A request that never answers on this version is not sent: it would hold a worker
    (through the stack) or a QGIS process (via=qgis) until killed."""
    bug = hanging.get(shown(version))
    if bug:
        pytest.xfail(
            f"QGIS {shown(version)}: {bug} "
            "(not sent: it would hold a worker or a QGIS process until killed; make repro runs it)"
        )
