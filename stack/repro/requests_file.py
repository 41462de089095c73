"""requests.txt: one request a line, relative to the project's endpoint /ows/<case>.

    # comments and blank lines are skipped
    ?SERVICE=WMS&REQUEST=GetCapabilities                       a GET (the method is optional)
    GET /wfs3/collections/districts/items/999 header="Accept: application/json"
    POST ?SERVICE=WFS body=insert.xml role=editor expect=400   body from a file in the case
    GET "?SERVICE=WFS&…" name=axis contains="6.134 49.6"      what the answer must hold
    POST ?SERVICE=WFS body=insert.xml via=qgis timeout=20      QGIS alone: no nginx, no plugins

Options: name=, body=FILE, content-type=, header="Name: value" (repeatable), role=,
expect=STATUS, expect-type=CONTENT-TYPE, contains=TEXT and absent=TEXT (repeatable), timeout=SECONDS,
via=stack (the default: through nginx, the plugins and the access rules) or via=qgis (QgsServer in
the qgis-server container on the staged project, without plugins: what QGIS itself answers).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from stack.repro.case import CaseError

METHODS = ("GET", "POST")
OPTIONS = (
    "name",
    "body",
    "content-type",
    "header",
    "role",
    "expect",
    "expect-type",
    "contains",
    "absent",
    "timeout",
    "via",
)
VIAS = ("stack", "qgis")
DEFAULT_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class ReplayRequest:
    number: int  # 1-based position in the file
    line: int
    method: str
    target: str  # "?query" or "/path?query", relative to /ows/<case>
    name: str
    body: Path | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    role: str = "anonymous"
    expect_status: int | None = None
    expect_type: str | None = None  # the Content-Type the answer must start with
    contains: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S
    via: str = "stack"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.number:02d}-{self.name}"


def slug(text: str) -> str:
    """A short file-name-safe name for a request, from what it asks for."""
    request = re.search(r"(?i)request=([A-Za-z]+)", text)
    service = re.search(r"(?i)service=([A-Za-z0-9]+)", text)
    if request:
        words = [service[1] if service else "", request[1]]
    else:
        words = [part for part in text.split("?")[0].split("/") if part][-2:]
    return re.sub(r"[^A-Za-z0-9]+", "-", "-".join(w for w in words if w)).strip("-").lower()[:40] or "request"


def parse_line(text: str, where: str, folder: Path, number: int, line: int) -> ReplayRequest:
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise CaseError(f"{where}: {error} (quote values with spaces in double quotes)") from None
    method = "GET"
    if tokens[0].upper() in METHODS:
        method = tokens.pop(0).upper()
    elif re.fullmatch(r"[A-Z]+", tokens[0]):
        raise CaseError(f"{where}: method {tokens[0]} is not one of {', '.join(METHODS)}")
    if not tokens:
        raise CaseError(f"{where}: {method} without a target (?QUERY or /path relative to the endpoint)")
    target = tokens.pop(0)
    if re.match(r"^https?://", target):
        target = re.sub(r"^https?://[^/]+/ows/[A-Za-z0-9_-]+", "", target)
    if not (target.startswith("?") or target.startswith("/")):
        raise CaseError(f"{where}: target '{target[:60]}' must start with ? or / (relative to /ows/<case>)")
    values: dict[str, list[str]] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or key not in OPTIONS:
            raise CaseError(f"{where}: '{token[:60]}' is not an option; options: {', '.join(OPTIONS)}")
        values.setdefault(key, []).append(value)

    def one(key: str) -> str | None:
        if len(values.get(key, [])) > 1:
            raise CaseError(f"{where}: {key}= given twice")
        return values[key][0] if key in values else None

    body = None
    if (body_name := one("body")) is not None:
        body = (folder / body_name).resolve()
        if not body.is_file():
            raise CaseError(f"{where}: body file {body} does not exist")
    if method == "POST" and body is None:
        raise CaseError(f"{where}: POST needs body=FILE (a file in the case folder)")
    headers = []
    for header in values.get("header", []):
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise CaseError(f'{where}: header="{header}" is not "Name: value"')
        headers.append((name.strip(), value.strip()))
    expect = one("expect")
    if expect is not None and not re.fullmatch(r"[1-5][0-9][0-9]", expect):
        raise CaseError(f"{where}: expect={expect} is not an HTTP status")
    timeout = one("timeout")
    try:
        timeout_s = float(timeout) if timeout is not None else DEFAULT_TIMEOUT_S
    except ValueError:
        raise CaseError(f"{where}: timeout={timeout} is not a number of seconds") from None
    via = one("via") or "stack"
    if via not in VIAS:
        raise CaseError(f"{where}: via={via}: one of {', '.join(VIAS)}")
    if via == "qgis" and one("role"):
        raise CaseError(f"{where}: via=qgis has no roles (QGIS alone has no access rules): drop role=")
    name = one("name") or slug(target)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise CaseError(f"{where}: name={name}: only A-Z a-z 0-9 _ and -")
    return ReplayRequest(
        number=number,
        line=line,
        method=method,
        target=target,
        name=name,
        body=body,
        content_type=one("content-type"),
        headers=tuple(headers),
        role=one("role") or "anonymous",
        expect_status=int(expect) if expect else None,
        expect_type=one("expect-type"),
        contains=tuple(values.get("contains", [])),
        absent=tuple(values.get("absent", [])),
        timeout_s=timeout_s,
        via=via,
    )


def read_requests(path: Path) -> list[ReplayRequest]:
    if not path.is_file():
        raise CaseError(f"{path}: no requests file; `python -m stack repro init` writes one with examples")
    found: list[ReplayRequest] = []
    for line_number, raw in enumerate(path.read_text().splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{path}:{line_number}"
        found.append(parse_line(text, where, path.parent, len(found) + 1, line_number))
    if not found:
        raise CaseError(f"{path}: no requests in it (one a line; # starts a comment)")
    return found
