"""pytest plugin: the stack under test and the clients that talk to it.

Local mode (default): reuse the stack `make up` started, or bring it up with
testcontainers' DockerCompose and take it down (data kept) at the end.
Remote mode: `--stack-url URL [--project NAME]` runs the read-only tests against any
deployment; tests marked destructive, docker or postgis are skipped there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace

import docker
import psycopg
import pytest
import requests
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService
from testcontainers.compose import DockerCompose

from stack.core.errors import StackError
from stack.core.settings import Settings, load
from stack.deploy import lifecycle
from stack.deploy.compose import compose_env
from stack.deploy.health import healthy
from stack.harness import postgis
from stack.harness.diagnostics import HttpTrace, container_log_tails
from stack.harness.handle import StackHandle
from stack.harness.known_bugs import QgisVersion, served_version
from stack.harness.ows import wfs_client, wms_client
from stack.provision.secrets import demo_user_passwords

LOCAL_ONLY_MARKERS = ("destructive", "docker", "postgis")
TRACE = pytest.StashKey[HttpTrace]()
STACK = pytest.StashKey[StackHandle]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("qgis-stack")
    group.addoption("--stack-url", help="run against this deployment (e.g. https://staging.example.org)")
    group.addoption("--project", default="demo", help="the project to query (default: demo)")
    group.addoption("--qgis", help="local mode: QGIS version to start (3.22, 3.40, 3.44)")


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
        response = requests.get(probe, params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"}, timeout=15)
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
        report = requests.get(handle.healthz_url, timeout=10).json()
    except (requests.RequestException, ValueError) as error:
        return f"{handle.healthz_url} gave no report ({error})"
    postgis = report.get("postgis", {})
    parts = [f"healthy={report.get('healthy')}", f"failed plugins={report['plugins']['failed'] or 'none'}"]
    if postgis.get("checked"):
        reachable = postgis.get("reachable")
        parts.append(f"PostGIS reachable={reachable}" + ("" if reachable else f" ({postgis.get('error')})"))
    return ", ".join(parts)


@pytest.fixture(scope="session")
def stack_settings(pytestconfig: pytest.Config) -> Settings:
    return load(pytestconfig.getoption("--qgis"))


@pytest.fixture(scope="session")
def stack_session(pytestconfig: pytest.Config, stack_settings: Settings) -> Iterator[StackHandle]:
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
    if healthy(stack_settings.base_url):
        _check_same_checkout(stack_settings)
        yield handle  # started by `make up`: leave it running
        return
    yield from _started_stack(handle, stack_settings)


@pytest.fixture(scope="session")
def stack(stack_session: StackHandle) -> StackHandle:
    return stack_session


@pytest.fixture(scope="session")
def demo_users(stack_session: StackHandle) -> dict[str, str]:
    """user → password of the demo users (access/users.map), made by `make up`."""
    if stack_session.settings is None:
        pytest.skip("remote stack: the demo users' passwords are local")
    return demo_user_passwords(stack_session.settings)


@pytest.fixture(scope="session")
def stack_as_editor(stack_session: StackHandle, demo_users: dict[str, str]) -> StackHandle:
    return replace(stack_session, auth=("editor", demo_users["editor"]))


@pytest.fixture(scope="session")
def stack_as_partner(stack_session: StackHandle, demo_users: dict[str, str]) -> StackHandle:
    return replace(stack_session, auth=("partner", demo_users["partner"]))


def _started_stack(handle: StackHandle, settings: Settings) -> Iterator[StackHandle]:
    """Start the stack for this session and take it down again (data kept), even on failure."""
    try:
        client = lifecycle.prepare(settings)
    except StackError as error:
        pytest.exit(f"cannot prepare the stack: {error}", returncode=3)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in compose_env(settings).items():
            if os.environ.get(name) != value:
                patch.setenv(name, value)
        stack_compose = DockerCompose(
            settings.root, compose_file_name="docker-compose.yml", build=True, wait=True
        )
        try:
            _start_or_exit(stack_compose, client, handle, settings)
            yield handle
        finally:
            lifecycle.down(settings)


def _start_or_exit(
    stack_compose: DockerCompose, client: docker.DockerClient, handle: StackHandle, settings: Settings
) -> None:
    """One screen on why the stack is not up, instead of every test failing alike."""
    try:
        stack_compose.start()
    except Exception as error:
        diagnosis = lifecycle.diagnose(client, settings)
        pytest.exit(f"the stack did not start ({error}):\n{diagnosis}", returncode=3)
    if not lifecycle.wait_until_healthy(settings):
        pytest.exit(
            f"{handle.healthz_url} never answered 200:\n{lifecycle.diagnose(client, settings)}", returncode=3
        )


def _check_same_checkout(settings: Settings) -> None:
    """A stack from another checkout would be tested with this checkout's secrets and tests."""
    try:
        started_from = lifecycle.running_checkout(docker.from_env(), settings)
    except docker.errors.DockerException:
        return  # no Docker access here: nothing to compare
    if started_from and os.path.realpath(started_from) != os.path.realpath(settings.root):
        pytest.exit(
            f"{settings.base_url} is served by a stack started from {started_from}, not from "
            f"{settings.root}: run `make down` there, or set STACK_HTTP_PORT and COMPOSE_PROJECT_NAME",
            returncode=3,
        )


@pytest.fixture(scope="session")
def qgis_version(stack_session: StackHandle) -> QgisVersion | None:
    """(major, minor, patch) of the QGIS Server under test, for known_bug()."""
    return served_version(stack_session.ows_url())


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


@pytest.fixture(scope="session")
def wms(stack_session: StackHandle) -> WebMapService:
    return wms_client(stack_session, "1.3.0")


@pytest.fixture(scope="session")
def wfs(stack_session: StackHandle) -> WebFeatureService:
    return wfs_client(stack_session, "1.1.0")
