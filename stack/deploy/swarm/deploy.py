"""`make deploy`, `make undeploy`, `make deploy-status`: the stack on a Docker Swarm."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import requests

from stack.core.console import say
from stack.core.errors import StackError
from stack.core.waiting import wait_until
from stack.deploy.swarm.bundle import ship_images
from stack.deploy.swarm.engine import Engine
from stack.deploy.swarm.settings import STACK_FILE, DeploySettings
from stack.deploy.swarm.site_images import SiteImages, build_site_images, existing_site_images
from stack.deploy.swarm.stack_env import new_generation, stack_environment
from stack.deploy.swarm.tls import TlsFiles, ensure_tls
from stack.provision.secrets import ensure_demo_users, ensure_password_file

POSTGIS_LABEL = "qgis-stack.postgis"


def ensure_swarm(engine: Engine, advertise_addr: str) -> None:
    state = engine.swarm_state()
    if state == "active":
        return
    if state not in ("inactive", ""):
        raise StackError(f"the engine at {engine.label} is in swarm state '{state}': fix that first")
    say(f"{engine.label} is not part of a swarm: creating a single-node swarm (docker swarm init)")
    args = ["swarm", "init"] + (["--advertise-addr", advertise_addr] if advertise_addr else [])
    engine.run(*args)


def ensure_postgis_node(engine: Engine) -> str:
    """The node PostGIS (and its volume) lives on: the one labelled, else this manager."""
    for node in engine.json_lines("node", "ls"):
        labels = engine.run("node", "inspect", node["ID"], "--format", "{{json .Spec.Labels}}")
        if f'"{POSTGIS_LABEL}":"true"' in labels.replace(" ", ""):
            return node["Hostname"]
    self_id = engine.run("info", "--format", "{{.Swarm.NodeID}}").strip()
    engine.run("node", "update", "--label-add", f"{POSTGIS_LABEL}=true", self_id)
    hostname = engine.run("node", "inspect", self_id, "--format", "{{.Description.Hostname}}").strip()
    say(
        f"no node labelled {POSTGIS_LABEL}=true: labelled this manager ({hostname}); "
        "PostGIS and its data live there"
    )
    return hostname


def service_replicas(engine: Engine, stack_name: str) -> dict[str, str]:
    rows = engine.json_lines("service", "ls", "--filter", f"label=com.docker.stack.namespace={stack_name}")
    return {row["Name"]: row["Replicas"] for row in rows}


def converged(engine: Engine, stack_name: str) -> bool:
    replicas = service_replicas(engine, stack_name)
    if len(replicas) < 3:
        return False
    for value in replicas.values():
        running, _, wanted = value.split(" ")[0].partition("/")
        if running != wanted or wanted == "0":
            return False
    return True


def updates_settled(engine: Engine, stack_name: str) -> bool:
    for name in service_replicas(engine, stack_name):
        state = engine.run(
            "service", "inspect", name, "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}"
        )
        if state.strip() in ("updating", "rollback_started"):
            return False
    return True


def https_healthy(settings: DeploySettings, ca: Path | None) -> bool:
    try:
        response = requests.get(f"{settings.public_url}/healthz", timeout=10, verify=str(ca) if ca else True)
    except requests.RequestException:
        return False
    return response.status_code == 200


def task_problems(engine: Engine, stack_name: str) -> str:
    rows = engine.json_lines("stack", "ps", stack_name, "--no-trunc")
    bad = [r for r in rows if r.get("Error") or r.get("CurrentState", "").startswith(("Failed", "Rejected"))]
    return "\n".join(f"  {r['Name']} on {r['Node']}: {r['CurrentState']} {r['Error']}" for r in bad[-12:])


def prepare_images(settings: DeploySettings, build: bool) -> SiteImages:
    images = build_site_images(settings) if build else existing_site_images(settings)
    local_id = Engine().engine_id()
    for host in settings.node_hosts:
        engine = Engine(host)
        if engine.engine_id() != local_id:
            ship_images(images.all(), engine)
    return images


def prepare_secrets(settings: DeploySettings) -> TlsFiles:
    ensure_password_file(settings.base)
    ensure_demo_users(settings.base)
    return ensure_tls(settings)


def deploy(settings: DeploySettings, build: bool = True, force: bool = False) -> float:
    started = time.monotonic()
    engine = Engine(settings.deploy_host)
    ensure_swarm(engine, settings["STACK_SWARM_ADVERTISE_ADDR"])
    images = prepare_images(settings, build)
    tls = prepare_secrets(settings)
    ensure_postgis_node(engine)
    generation = new_generation() if force else current_generation(engine, settings.stack_name)
    env = stack_environment(settings, images, tls, generation)
    say(f"deploying stack {settings.stack_name} (QGIS {settings.base.release.version}) to {engine.label}")
    result = subprocess.run(
        engine.command(
            "stack",
            "deploy",
            "--resolve-image",
            "never",
            "--prune",
            "--compose-file",
            str(STACK_FILE),
            settings.stack_name,
        ),
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise StackError(f"docker stack deploy failed:\n{result.stderr.strip()[-3000:]}")
    wait_for_stack(settings, engine, tls.ca)
    remove_stale_objects(engine, settings.stack_name)
    elapsed = time.monotonic() - started
    say(f"deployed in {elapsed:.0f} s: {settings.public_url}/ows/demo?SERVICE=WMS&REQUEST=GetCapabilities")
    if tls.ca:
        say(f"the certificate is signed by a private CA; clients trust it with {tls.ca}")
        say(f"  e.g. curl --cacert {tls.ca} {settings.public_url}/healthz")
    ca = f" --ca-bundle {tls.ca}" if tls.ca else ""
    users = settings.base.secrets_dir / "demo-users.json"
    say(f"smoke test: .venv/bin/pytest --stack-url {settings.public_url}{ca} --demo-users {users} -m smoke")
    return elapsed


def current_generation(engine: Engine, stack_name: str) -> str:
    """Keep the running generation, so a plain redeploy changes nothing it need not."""
    found = engine.run(
        "service",
        "inspect",
        f"{stack_name}_qgis-server",
        "--format",
        "{{range .Spec.TaskTemplate.ContainerSpec.Env}}{{println .}}{{end}}",
        check=False,
    )
    for line in found.splitlines():
        if line.startswith("STACK_DEPLOY_GENERATION="):
            return line.partition("=")[2]
    return "1"


def wait_for_stack(settings: DeploySettings, engine: Engine, ca: Path | None) -> None:
    name = settings.stack_name

    def ready() -> bool:
        return converged(engine, name) and updates_settled(engine, name) and https_healthy(settings, ca)

    if not wait_until(ready, settings.timeout_s, interval_s=2):
        replicas = ", ".join(f"{k} {v}" for k, v in service_replicas(engine, name).items())
        raise StackError(
            f"the stack did not become healthy within {settings.timeout_s} s ({replicas}); "
            f"{settings.public_url}/healthz healthy={https_healthy(settings, ca)}\n"
            f"{task_problems(engine, name) or '  no failed tasks'}\n"
            f"  `make deploy-status` and `docker service logs {name}_qgis-server` say more"
        )


def remove_stale_objects(engine: Engine, stack_name: str) -> None:
    """Secrets and configs of earlier deploys (rotated away); Swarm refuses to remove used ones."""
    for kind in ("secret", "config"):
        for row in engine.json_lines(
            kind, "ls", "--filter", f"label=com.docker.stack.namespace={stack_name}"
        ):
            engine.run(kind, "rm", row["Name"], check=False)


def undeploy(settings: DeploySettings, volumes: bool = False) -> None:
    engine = Engine(settings.deploy_host)
    name = settings.stack_name
    if engine.swarm_state() != "active" or not service_replicas(engine, name):
        say(f"no stack {name} on {engine.label}")
    else:
        started = time.monotonic()
        engine.run("stack", "rm", name)

        def gone() -> bool:
            tasks = engine.run("ps", "--quiet", "--filter", f"label=com.docker.stack.namespace={name}")
            networks = engine.run(
                "network", "ls", "--quiet", "--filter", f"label=com.docker.stack.namespace={name}"
            )
            return not tasks.strip() and not networks.strip()

        if not wait_until(gone, 120, interval_s=1):
            raise StackError(f"stack {name} still has containers or networks on {engine.label} after 120 s")
        say(f"removed stack {name} in {time.monotonic() - started:.0f} s (the swarm itself stays)")
    volume = f"{name}_pgdata_{settings.base.release.suite}"
    if volumes:
        if engine.ok("volume", "rm", volume):
            say(f"deleted the PostGIS volume {volume}")
        else:
            say(f"volume {volume} is not on {engine.label}: delete it on the node labelled {POSTGIS_LABEL}")
    else:
        say(f"kept the PostGIS volume {volume} (VOLUMES=1 deletes it)")


def status(settings: DeploySettings) -> int:
    engine = Engine(settings.deploy_host)
    name = settings.stack_name
    if engine.swarm_state() != "active":
        say(f"{engine.label} is not part of a swarm: nothing deployed")
        return 1
    print(engine.run("stack", "services", name, check=False) or f"no stack {name}")
    print(
        engine.run(
            "stack",
            "ps",
            name,
            "--filter",
            "desired-state=running",
            "--format",
            "table {{.Name}}\t{{.Node}}\t{{.CurrentState}}\t{{.Error}}",
            check=False,
        )
    )
    ca = settings.ca_file if settings.ca_file.is_file() else None
    ok = https_healthy(settings, ca)
    print(f"{settings.public_url}/healthz: {'200 OK' if ok else 'not answering 200'}")
    return 0 if ok else 1
