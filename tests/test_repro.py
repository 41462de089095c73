"""make repro through the real stack: a shipped case replayed and reported; bad cases
stopped with a message that says what and where, the demo data untouched; from-log on
this stack's own nginx log; to-test from a run."""

import json
import shutil
from pathlib import Path

import docker
import psycopg
import pytest

from stack.core.settings import REPO_ROOT
from stack.core.waiting import wait_until
from stack.deploy.containers import service_container
from stack.harness.handle import StackHandle
from stack.repro.case import CaseError, load_case
from stack.repro.database import load_dumps
from stack.repro.from_log import LogFilter, write_requests
from stack.repro.layercheck import check_in_qgis
from stack.repro.replay import read_outcomes, replay
from stack.repro.requests_file import read_requests
from stack.repro.run import REPORTS, run_case
from stack.repro.stage import stage
from stack.repro.to_test import write_test

pytestmark = [pytest.mark.docker, pytest.mark.postgis]

CASES = REPO_ROOT / "cases"


def demo_tables(pg: psycopg.Connection) -> dict[str, int]:
    tables = pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'demo' ORDER BY 1").fetchall()
    return {name: pg.execute(f'SELECT count(*) FROM demo."{name}"').fetchone()[0] for (name,) in tables}


def copy_case(tmp_path: Path, name: str, new_name: str | None = None) -> Path:
    target = tmp_path / (new_name or name)
    shutil.copytree(CASES / name, target)
    return target


def test_a_shipped_case_is_replayed_and_reported(stack: StackHandle) -> None:
    assert stack.settings is not None
    version = stack.settings.release.version

    assert run_case(CASES / "oapif-items", version, stack.settings.root) == 0

    out = stack.settings.root / REPORTS / "oapif-items"
    outcomes = {o.name: o for o in read_outcomes(out / version)}
    assert outcomes["item-1"].status == 200
    assert outcomes["getmap"].content_type.startswith("image/png")
    assert (out / version / outcomes["getmap"].body_file).read_bytes().startswith(b"\x89PNG")
    assert outcomes["wms111-unknown-layer"].exception == "The layer 'no_such_layer' does not exist."
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and f"QGIS {version}" in report
    assert json.loads((out / version / "meta.json").read_text())["served"].startswith(version)


def test_the_dumps_load_once_into_the_case_database_only(stack: StackHandle, pg: psycopg.Connection) -> None:
    assert stack.settings is not None
    case = load_case(CASES / "wfs-axis-order")
    client = docker.from_env()
    before = demo_tables(pg)
    load_dumps(client, stack.settings, case)
    postgis = service_container(client, stack.settings.project_name, "postgis")
    oid = f"SELECT oid FROM pg_database WHERE datname = '{case.database}'"
    first = postgis.exec_run(["psql", "-d", "postgres", "-Atc", oid]).output

    load_dumps(client, stack.settings, case)  # the same dumps: nothing to do

    assert postgis.exec_run(["psql", "-d", "postgres", "-Atc", oid]).output == first != b""
    rows = postgis.exec_run(["psql", "-d", case.database, "-Atc", "SELECT count(*) FROM network.stations"])
    assert rows.output.decode().strip() == "6"
    assert demo_tables(pg) == before


def test_a_missing_project_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "empty-case"
    folder.mkdir()

    with pytest.raises(CaseError, match=r"empty-case: no project \(.qgs or .qgz\)"):
        load_case(folder)


def test_an_unmapped_absolute_path_names_the_layer_and_source(stack: StackHandle, tmp_path: Path) -> None:
    assert stack.settings is not None
    folder = copy_case(tmp_path, "wfs-axis-order")
    toml = folder / "case.toml"
    toml.write_text(toml.read_text().split("[paths]")[0])

    with pytest.raises(CaseError) as error:
        stage(load_case(folder), tmp_path / "staged")

    message = str(error.value)
    assert "layer 'districts' (ogr: /srv/gisdata/luxembourg/districts.gpkg|layername=districts)" in message
    assert '[paths] "/srv/gisdata/luxembourg" = "data"' in message


def test_a_layer_qgis_cannot_load_is_named_by_qgis(stack: StackHandle, tmp_path: Path) -> None:
    assert stack.settings is not None
    folder = copy_case(tmp_path, "oapif-items", "repro-test-broken-layer")
    (folder / "districts.gpkg").write_bytes(b"not a GeoPackage")
    case = load_case(folder)
    stage(case, stack.settings.repro_dir)
    try:
        with pytest.raises(CaseError) as error:
            check_in_qgis(docker.from_env(), stack.settings, case)
    finally:
        shutil.rmtree(stack.settings.repro_dir / case.name)

    assert "layer 'districts' (ogr: " in str(error.value)
    assert "districts.gpkg" in str(error.value)


def test_a_dump_that_fails_to_load_is_named_and_leaves_nothing(
    stack: StackHandle, pg: psycopg.Connection, tmp_path: Path
) -> None:
    assert stack.settings is not None
    folder = copy_case(tmp_path, "wfst-unknown-property", "repro-test-bad-dump")
    dump = folder / "data" / "field.sql"
    dump.write_text(
        dump.read_text() + "\nINSERT INTO public.observations VALUES (4, 'x', 'y', 'not a geometry');\n"
    )
    case = load_case(folder)
    before = demo_tables(pg)

    with pytest.raises(CaseError) as error:
        load_dumps(docker.from_env(), stack.settings, case)

    assert f"{dump}: the dump does not load into {case.database}" in str(error.value)
    assert "parse error" in str(error.value) or "invalid" in str(error.value)
    left = pg.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (case.database,)).fetchone()
    assert left == (0,)
    assert demo_tables(pg) == before


def test_from_log_turns_this_stacks_nginx_log_into_a_replayable_case(
    stack: StackHandle, tmp_path: Path
) -> None:
    assert stack.settings is not None
    case = load_case(CASES / "oapif-items")
    stage(case, stack.settings.repro_dir)
    first = read_requests(case.requests_file)[:3]
    sent = replay(stack.settings, case, first, tmp_path / "sent")
    nginx = service_container(docker.from_env(), stack.settings.project_name, "nginx")
    wanted = sent[2]

    # nginx writes its access log in batches, flushed within a second.
    def nginx_log() -> str:
        return nginx.logs(tail=500).decode(errors="replace")

    assert wait_until(lambda: wanted.request_id in nginx_log(), timeout_s=10)
    log = tmp_path / "nginx.log"
    log.write_text(nginx_log())

    folder = copy_case(tmp_path, "oapif-items")
    count, target = write_requests(
        [log], folder, LogFilter(project="oapif-items", request_id=wanted.request_id)
    )

    assert count == 1
    (again,) = replay(stack.settings, case, read_requests(target), tmp_path / "again")
    assert (again.target, again.status) == (wanted.target, wanted.status)


def test_to_test_marks_the_failing_versions_as_known_bugs(tmp_path: Path) -> None:
    folder = copy_case(tmp_path, "oapif-items")
    for version, status in (("3.22", 200), ("3.40", 500)):
        out = tmp_path / REPORTS / "oapif-items" / version
        out.mkdir(parents=True)
        rows = [
            {
                "number": i,
                "name": r.name,
                "method": "GET",
                "target": r.target,
                "status": 200,
                "content_type": "",
                "size": 0,
                "time_s": 0.0,
                "exception": "",
                "body_file": "",
                "failure": "",
            }
            for i, r in enumerate(read_requests(folder / "requests.txt"), start=1)
        ]
        rows[2]["status"], rows[2]["failure"] = status, ("HTTP 500, expected 404" if status == 500 else "")
        (out / "results.json").write_text(json.dumps(rows))

    target = write_test(folder, tmp_path)

    text = target.read_text()
    compile(text, str(target), "exec")
    assert 'FAILS = {"item-unknown": {"3.40": "HTTP 500, expected 404"}}' in text
    assert "known_bug_on(request, qgis_version, FAILS.get(name, {}))" in text  # 3.40 alone: no "before"
    assert "def test_oapif_items(" in text


def test_a_real_project_with_its_authors_absolute_paths_stages_and_loads(stack: StackHandle) -> None:
    assert stack.settings is not None
    case = load_case(CASES / "qgis-mapthemes")
    original = case.project.read_bytes()

    staged = stage(case, stack.settings.repro_dir)
    check_in_qgis(docker.from_env(), stack.settings, case)

    text = staged.read_text()
    assert case.project.read_bytes() == original  # the user's file is never edited
    assert "/home/ale/" not in text
    staged_gpkg = "/srv/qgis/repro/qgis-mapthemes/test_project_mapthemes.gpkg"
    assert f'coverageLayerSource="{staged_gpkg}|layername=points"' in text


def test_via_qgis_is_answered_by_qgis_alone_without_the_plugins(stack: StackHandle, tmp_path: Path) -> None:
    assert stack.settings is not None
    case = load_case(CASES / "qgis-mapthemes")
    stage(case, stack.settings.repro_dir)
    info = (
        '"?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=red&QUERY_LAYERS=red&STYLES='
        "&INFO_FORMAT=application/json&CRS=EPSG:4326&BBOX=44.9287,7.0977,45.0714,7.3782"
        '&WIDTH=512&HEIGHT=260&I=256&J=130"'
    )
    requests_file = tmp_path / "requests.txt"
    requests_file.write_text(f"GET {info} name=stack\nGET {info} name=bare via=qgis\n")

    through_stack, bare = replay(stack.settings, case, read_requests(requests_file), tmp_path / "out")

    assert through_stack.status == bare.status == 200
    stack_answer = json.loads((tmp_path / "out" / through_stack.body_file).read_text())
    bare_answer = json.loads((tmp_path / "out" / bare.body_file).read_text())
    # stack_featureinfo names each feature's layer; QGIS alone does not.
    assert stack_answer["features"][0]["properties"]["stack:layer_title"] == "red"
    assert bare_answer["features"][0]["id"] == "red.1"
    assert "stack:layer_title" not in bare_answer["features"][0]["properties"]
