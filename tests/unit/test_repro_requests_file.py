"""requests.txt: what a line means, and malformed lines named by file and line."""

from pathlib import Path

import pytest

from stack.repro.case import CaseError
from stack.repro.requests_file import read_requests


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "requests.txt"
    path.write_text(text)
    (tmp_path / "insert.xml").write_text("<wfs:Transaction/>")
    return path


def test_lines_become_requests_with_their_options(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# a comment\n\n"
        "?SERVICE=WMS&REQUEST=GetCapabilities\n"
        'POST "?SERVICE=WFS" body=insert.xml role=editor expect=400 header="Accept: text/xml" timeout=5\n'
        'GET /wfs3/collections.json contains="a b" absent=x name=collections\n',
    )
    caps, post, api = read_requests(path)

    assert (caps.method, caps.target, caps.name, caps.line) == (
        "GET",
        "?SERVICE=WMS&REQUEST=GetCapabilities",
        "wms-getcapabilities",
        3,
    )
    assert (post.method, post.role, post.expect_status, post.headers, post.timeout_s) == (
        "POST",
        "editor",
        400,
        (("Accept", "text/xml"),),
        5.0,
    )
    assert post.body == tmp_path / "insert.xml"
    assert (api.contains, api.absent, api.name, api.number) == (("a b",), ("x",), "collections", 3)


def test_a_full_url_from_a_log_becomes_relative(tmp_path: Path) -> None:
    (request,) = read_requests(write(tmp_path, "GET http://prod.example.org/ows/roads?SERVICE=WMS\n"))

    assert request.target == "?SERVICE=WMS"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("DELETE ?SERVICE=WMS", "method DELETE is not one of GET, POST"),
        ("GET SERVICE=WMS", "must start with ? or /"),
        ("POST ?SERVICE=WFS", "POST needs body=FILE"),
        ("POST ?SERVICE=WFS body=missing.xml", "missing.xml does not exist"),
        ("GET ?A=1 expect=abc", "expect=abc is not an HTTP status"),
        ("GET ?A=1 colour=red", "'colour=red' is not an option"),
        ('GET ?A=1 contains="open', "No closing quotation"),
        ("GET ?A=1 header=NoColon", 'header="NoColon" is not "Name: value"'),
    ],
)
def test_a_malformed_line_says_what_and_where(tmp_path: Path, line: str, says: str) -> None:
    path = write(tmp_path, f"?SERVICE=WMS\n# fine\n{line}\n")

    with pytest.raises(CaseError) as error:
        read_requests(path)

    assert f"{path}:3:" in str(error.value)
    assert says in str(error.value)


def test_an_empty_requests_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no requests in it"):
        read_requests(write(tmp_path, "# nothing\n"))
