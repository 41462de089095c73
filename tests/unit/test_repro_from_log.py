"""Access logs → requests.txt: our nginx JSON, the request-log plugin, combined format."""

from pathlib import Path

from stack.repro.from_log import LogFilter, read_log, write_requests
from stack.repro.requests_file import read_requests

NGINX = (
    '{"time":"2026-11-23T10:00:00+00:00","request_id":"a1","remote_addr":"1.2.3.4","method":"GET",'
    '"uri":"/ows/roads?SERVICE=WMS&REQUEST=GetMap&LAYERS=roads","status":500,"bytes":10,"duration_s":0.1,'
    '"upstream_s":"0.1","user_agent":"x"}\n'
    'nginx-1  | {"time":"2026-11-23T10:05:00+00:00","request_id":"a2","method":"GET",'
    '"uri":"/ows/roads/wfs3/collections/r/items/9.json","status":500}\n'
    '{"time":"2026-11-23T10:06:00+00:00","request_id":"a3","method":"GET","uri":"/ows/other?SERVICE=WMS","status":200}\n'
    '{"time":"2026-11-23T10:07:00+00:00","request_id":"a4","method":"POST","uri":"/ows/roads?SERVICE=WFS","status":504}\n'
    '{"time":"2026-11-23T10:08:00+00:00","request_id":"h","method":"GET","uri":"/healthz","status":200}\n'
)
PLUGIN = (
    '{"time":"2026-11-23T10:00:00.100+00:00","request_id":"a1","service":"WMS","request":"GetMap",'
    '"project":"roads","layers":["roads"],"role":"partner","status":500,"duration_ms":3,"pid":1}\n'
    '{"time":"2026-11-23T11:00:00.000+00:00","request_id":"zz","service":"WFS","request":"GetFeature",'
    '"project":"roads","layers":["roads"],"role":null,"status":400,"duration_ms":3,"pid":1}\n'
)
COMBINED = (
    "10.0.0.1 - - [23/Nov/2026:10:00:00 +0000] "
    '"GET /cgi-bin/qgis_mapserv.fcgi?MAP=/srv/p/roads.qgs&SERVICE=WFS'
    '&REQUEST=GetFeature&TYPENAME=roads HTTP/1.1" 500 120 "-" "QGIS/32216"\n'
    '10.0.0.1 - - [23/Nov/2026:12:00:00 +0000] "GET /favicon.ico HTTP/1.1" 404 0 "-" "x"\n'
    '10.0.0.1 - - [23/Nov/2026:12:00:01 +0000] "GET /qgis/roads/wfs3/collections HTTP/1.1" 200 9 "-" "x"\n'
)


def log(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_our_nginx_log_filtered_by_project_and_status(tmp_path: Path) -> None:
    case = tmp_path / "roads"
    count, target = write_requests(
        [log(tmp_path, "n.log", NGINX)], case, LogFilter(project="roads", status="5xx")
    )

    assert count == 3
    replayed = read_requests(target)  # the POST is a comment: the log holds no body
    assert [r.target for r in replayed] == [
        "?SERVICE=WMS&REQUEST=GetMap&LAYERS=roads",
        "/wfs3/collections/r/items/9.json",
    ]
    assert '# POST "?SERVICE=WFS" body=FILE' in target.read_text()


def test_the_plugin_lines_add_the_role_and_stand_alone(tmp_path: Path) -> None:
    found = read_log(log(tmp_path, "both.log", NGINX + PLUGIN))

    by_id = {r.request_id: r for r in found}
    assert by_id["a1"].role == "partner" and not by_id["a1"].reconstructed
    assert (
        by_id["zz"].reconstructed and by_id["zz"].target == "?SERVICE=WFS&REQUEST=GetFeature&TYPENAME=roads"
    )


def test_filters_by_time_window_and_request_id(tmp_path: Path) -> None:
    path = log(tmp_path, "n.log", NGINX)
    _, target = write_requests(
        [path], tmp_path / "c", LogFilter(since="2026-11-23T10:04:00Z", until="2026-11-23T10:06:00Z")
    )
    assert [r.target for r in read_requests(target)] == ["/wfs3/collections/r/items/9.json"]

    count, _ = write_requests([path], tmp_path / "d", LogFilter(request_id="a3"))
    assert count == 1


def test_a_combined_log_with_map_paths(tmp_path: Path) -> None:
    found = read_log(log(tmp_path, "access.log", COMBINED))

    assert [(r.project, r.target, r.status) for r in found] == [
        ("roads", "?SERVICE=WFS&REQUEST=GetFeature&TYPENAME=roads", 500),
        ("", "/wfs3/collections", 200),
    ]
