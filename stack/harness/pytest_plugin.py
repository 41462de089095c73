"""pytest plugin: the stack under test and the clients that talk to it.

Local mode (default): reuse the stack `make up` started, or bring it up with
testcontainers' DockerCompose and take it down (data kept) at the end.
Remote mode: `--stack-url URL [--project NAME]` runs the read-only tests against any
deployment; tests marked destructive, docker or postgis are skipped there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import docker
import psycopg
import pytest
import requests
from docker.models.containers import Container
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService

from stack.core.errors import StackError
from stack.core.settings import Settings, load
from stack.deploy import lifecycle
from stack.harness import postgis
from stack.harness.diagnostics import HttpTrace, container_log_tails
from stack.harness.handle import TIMEOUT_S, StackHandle
from stack.harness.known_bugs import QgisVersion
from stack.harness.stack_info import parse_version, served_version, stack_report
from stack.harness.throwaway import ThrowawayStarter, remove_leftovers
from stack.provision.secrets import demo_user_passwords

LOCAL_ONLY_MARKERS = ("destructive", "docker", "postgis")
# The demo user whose role (access/rules.yaml) sees everything: the `stack` fixture's.
FULL_VIEW_USER = "editor"
TRACE = pytest.StashKey[HttpTrace]()
STACK = pytest.StashKey[StackHandle]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("qgis-stack")
    group.addoption("--stack-url", help="run against this deployment (e.g. https://staging.example.org)")
    group.addoption("--project", default="demo", help="the project to query (default: demo)")
    group.addoption("--qgis", help="local mode: QGIS version to start (3.22, 3.40, 3.44)")
    group.addoption(
        "--qgis-version",
        help="remote mode: the exact QGIS version served (e.g. 3.40.6), for known_bug(); needed "
        "when the runner's address is not in the deployment's STACK_INFO_ALLOW",
    )
    group.addoption(
        "--demo-users",
        help="remote mode: the deployment's demo-users.json (in its STACK_SECRETS_DIR), so the "
        "suite acts as the demo's roles there too; without it, remote tests run as the public",
    )
    group.addoption(
        "--ca-bundle",
        help="CA certificate(s) to trust for an https --stack-url (e.g. the private CA make deploy prints)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # requests (and OWSLib, which uses it) read REQUESTS_CA_BUNDLE; so does get_verbatim.
    ca_bundle = config.getoption("--ca-bundle", None)
    if ca_bundle:
        if not os.path.isfile(ca_bundle):
            raise pytest.UsageError(f"--ca-bundle {ca_bundle} is not a file")
        os.environ["REQUESTS_CA_BUNDLE"] = os.path.abspath(ca_bundle)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--stack-url"):
        return
    for item in items:
        for marker in LOCAL_ONLY_MARKERS:
            if item.get_closest_marker(marker):
                reason = f"remote stack: tests marked '{marker}' need the local stack"
                item.add_marker(pytest.mark.skip(reason=reason))
                break


def _check_remote(url: str, project: str) -> None:
    """One clear line and the end of the session when the URL is not a QGIS Server."""
    probe = f"{url}/ows/{project}"
    try:
        response = requests.get(
            probe, params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"}, timeout=TIMEOUT_S
        )
    except requests.RequestException as error:
        pytest.exit(f"--stack-url {url} does not answer: {error}", returncode=3)
    if b"WMS_Capabilities" not in response.content and "QGIS" not in response.headers.get("Server", ""):
        pytest.exit(
            f"--stack-url {url} is not a QGIS Server stack: {probe} answered HTTP "
            f"{response.status_code} without WMS capabilities",
            returncode=3,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    trace = item.stash[TRACE] = HttpTrace()
    with trace.recording():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """A failed test's report shows its HTTP exchanges and the containers' last log lines."""
    report = yield
    if report.when == "call" and report.failed:
        if TRACE in item.stash:
            report.sections.append(("HTTP exchanges (newest last)", item.stash[TRACE].describe()))
        handle = item.config.stash.get(STACK, None)
        if handle is not None and handle.settings is not None:
            report.sections.append(("container logs", container_log_tails(handle.settings)))
    return report


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """One screen: where the stack was, and how each test module fared."""
    handle = config.stash.get(STACK, None)
    if handle is None:
        return
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            module = report.nodeid.split("::")[0]
            counts.setdefault(module, {}).setdefault(outcome, 0)
            counts[module][outcome] += 1
    where = "local" if handle.is_local else "remote"
    version = f", QGIS {handle.settings.release.version}" if handle.settings else ""
    terminalreporter.section("qgis-stack summary")
    terminalreporter.write_line(f"{where} stack at {handle.base_url}{version}, project {handle.project}")
    for module, by_outcome in sorted(counts.items()):
        line = ", ".join(f"{n} {outcome}" for outcome, n in by_outcome.items())
        marker = "FAIL" if by_outcome.get("failed") or by_outcome.get("error") else "ok  "
        terminalreporter.write_line(f"  {marker} {module:45} {line}")
    terminalreporter.write_line(f"health: {health_verdict(handle)}")
    xml = getattr(config.option, "xmlpath", None)
    if xml:
        terminalreporter.write_line(f"JUnit XML: {xml}")


def health_verdict(handle: StackHandle) -> str:
    """What /healthz says now: a dead PostGIS or a failed plugin explains many failures."""
    try:
        report = stack_report(handle)
    except Exception as error:  # a verdict line must never fail the session
        return f"{handle.healthz_url} gave no report ({error})"
    postgis = report.get("postgis", {})
    parts = [f"healthy={report.get('healthy')}"]
    if "plugins" in report:  # only in the full report
        parts.append(f"failed plugins={report['plugins']['failed'] or 'none'}")
    if postgis.get("checked"):
        reachable = postgis.get("reachable")
        parts.append(f"PostGIS reachable={reachable}" + ("" if reachable else f" ({postgis.get('error')})"))
    return ", ".join(parts)


@pytest.fixture(scope="session")
def stack_settings(pytestconfig: pytest.Config) -> Settings:
    return load(pytestconfig.getoption("--qgis"))


@pytest.fixture(scope="session")
def stack_build() -> bool:
    """Whether a stack this session starts builds its images first. Override to use them as they are."""
    return True


@pytest.fixture(scope="session")
def stack_teardown() -> bool:
    """Whether a stack this session started is taken down at the end (its data is always kept).
    Override it to return False to leave it running for the next session."""
    return True


@pytest.fixture(scope="session")
def stack_session(
    pytestconfig: pytest.Config, stack_settings: Settings, stack_build: bool, stack_teardown: bool
) -> Iterator[StackHandle]:
    """The stack under test, anonymous. Tests use `stack` (which a module may override,
    e.g. to act as another role) or `stack_as_editor` / `stack_as_partner`."""
    project = pytestconfig.getoption("--project")
    url = pytestconfig.getoption("--stack-url")
    if url:
        url = url.rstrip("/")
        _check_remote(url, project)
        pytestconfig.stash[STACK] = StackHandle(base_url=url, project=project, settings=None)
        yield pytestconfig.stash[STACK]
        return
    handle = StackHandle(base_url=stack_settings.base_url, project=project, settings=stack_settings)
    pytestconfig.stash[STACK] = handle
    log = lifecycle.command_log(stack_settings, "pytest-stack")
    try:
        with lifecycle.running(stack_settings, log, build_images=stack_build, teardown=stack_teardown):
            yield handle
    except StackError as error:
        pytest.exit(f"the stack is not usable: {error}", returncode=3)


@pytest.fixture(scope="session")
def project(pytestconfig: pytest.Config) -> str:
    """The project the tests query: --project (default demo). A test module about one
    project of its own overrides it: `@pytest.fixture(scope="module") def project(): ...`."""
    return pytestconfig.getoption("--project")


@pytest.fixture(scope="module")
def stack(pytestconfig: pytest.Config, stack_session: StackHandle, project: str) -> StackHandle:
    """The suite's default client: locally the demo's role that sees every layer, row and
    attribute (FULL_VIEW_USER), so a test of an OGC request is about the request, not about
    the rules; remote, anonymous. Tests about the public use `stack_anonymous`."""
    handle = replace(stack_session, project=project)
    passwords = _known_passwords(pytestconfig, handle)
    if passwords is None:
        return handle
    return handle.as_user(FULL_VIEW_USER, passwords[FULL_VIEW_USER])


def _known_passwords(config: pytest.Config, handle: StackHandle) -> dict[str, str] | None:
    """The demo users' passwords: the local stack's, or the file --demo-users names."""
    if handle.settings is not None:
        return demo_user_passwords(handle.settings)
    given = config.getoption("--demo-users")
    if not given:
        return None
    path = Path(given)
    if not path.is_file():
        raise pytest.UsageError(f"--demo-users {given} is not a file")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def stack_anonymous(stack_session: StackHandle, project: str) -> StackHandle:
    """No credentials: what the public sees (the least, in the demo's rules)."""
    return replace(stack_session, project=project)


@pytest.fixture(scope="session")
def demo_users(pytestconfig: pytest.Config, stack_session: StackHandle) -> dict[str, str]:
    """user → password of the demo users (access/users.map), made by `make up`/`make deploy`."""
    passwords = _known_passwords(pytestconfig, stack_session)
    if passwords is None:
        pytest.skip("remote stack: give --demo-users to act as the demo's roles")
    return passwords


@pytest.fixture(scope="module")
def stack_as_editor(stack_session: StackHandle, project: str, demo_users: dict[str, str]) -> StackHandle:
    # Not built on `stack`: a module may override `stack` with this very fixture.
    return replace(stack_session, project=project).as_user("editor", demo_users["editor"])


@pytest.fixture(scope="module")
def stack_as_partner(stack_session: StackHandle, project: str, demo_users: dict[str, str]) -> StackHandle:
    return replace(stack_session, project=project).as_user("partner", demo_users["partner"])


@pytest.fixture(scope="session")
def qgis_version(pytestconfig: pytest.Config, stack_session: StackHandle) -> QgisVersion | None:
    """(major, minor, patch) of the QGIS Server under test, for known_bug(): --qgis-version,
    else stack_info's report (not public: see stack.harness.stack_info)."""
    given = pytestconfig.getoption("--qgis-version")
    return parse_version(given) if given else served_version(stack_session)


@pytest.fixture(scope="session")
def docker_client(stack_session: StackHandle) -> docker.DockerClient:
    if not stack_session.is_local:
        pytest.skip("remote stack: no Docker access")
    return docker.from_env()


@pytest.fixture(scope="session")
def pg(stack_session: StackHandle, docker_client: docker.DockerClient) -> Iterator[psycopg.Connection]:
    assert stack_session.settings is not None
    try:
        connection = postgis.connect(docker_client, stack_session.settings)
    except (psycopg.OperationalError, StackError) as error:
        # The local stack's PostGIS being down is a broken stack, not a reason to skip.
        pytest.fail(f"the stack's PostGIS is not reachable: {error}")
    with connection:
        yield connection


# Module scope: they follow the `stack` a module uses (a module may override it to act as
# another role); the handle caches OWSLib's clients, so capabilities are read once per role.
@pytest.fixture(scope="module")
def wms(stack: StackHandle) -> WebMapService:
    return stack.wms("1.3.0")


@pytest.fixture(scope="module")
def wfs(stack: StackHandle) -> WebFeatureService:
    return stack.wfs("1.1.0")


@pytest.fixture
def throwaway_containers(
    docker_client: docker.DockerClient, stack: StackHandle
) -> Iterator[ThrowawayStarter]:
    """Start throwaway containers (testcontainers) from the stack's images; removed afterwards."""
    assert stack.settings is not None
    remove_leftovers(docker_client, stack.settings.project_name)
    starter = ThrowawayStarter(stack.settings)
    yield starter
    starter.stop_all()


@pytest.fixture
def start_qgis_server(throwaway_containers: ThrowawayStarter) -> Callable[..., Container]:
    """start_qgis_server(plugins, projects=None, **environment): a throwaway qgis-server."""
    return throwaway_containers.qgis_server


@pytest.fixture
def start_nginx(throwaway_containers: ThrowawayStarter) -> Callable[..., Container]:
    """start_nginx(qgis, projects, access, **environment): the stack's nginx in front of a
    throwaway qgis-server."""
    return throwaway_containers.nginx
