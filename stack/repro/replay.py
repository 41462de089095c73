"""Send a case's requests to the stack, keep every answer, and say in one line how it went."""

from __future__ import annotations

import json
import mimetypes
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from stack.core.settings import Settings
from stack.harness.ows import service_exception
from stack.provision.secrets import demo_user_passwords
from stack.repro.bare import send_bare
from stack.repro.case import Case, CaseError
from stack.repro.requests_file import ReplayRequest

RESULTS_FILE = "results.json"
EXTENSIONS = {"text/xml": ".xml", "application/xml": ".xml", "application/json": ".json", "image/png": ".png"}


@dataclass
class Outcome:
    number: int
    name: str
    method: str
    target: str
    status: int  # 0: no answer (timeout, connection refused)
    content_type: str
    size: int
    time_s: float
    exception: str  # the ServiceException text, or why there was no answer
    body_file: str  # relative to the version's folder
    failure: str  # "" when the answer is what the case expects
    request_id: str = ""  # what nginx and the request log call it

    @property
    def line(self) -> str:
        status = str(self.status) if self.status else "---"
        kind = (self.content_type.split(";")[0] or "-")[:24]
        text = (
            f"{self.number:>2} {self.name[:28]:28} {status} {kind:24} {self.size:>9,} B {self.time_s:7.2f} s"
        )
        if self.exception:
            text += f"  {self.exception[:90]}"
        if self.failure:
            text += f"  ✗ {self.failure[:80]}"
        return text


def extension(content_type: str) -> str:
    base = content_type.split(";")[0].strip().lower()
    if base in EXTENSIONS:
        return EXTENSIONS[base]
    if "json" in base:
        return ".json"
    if "xml" in base:
        return ".xml"
    return mimetypes.guess_extension(base) or ".bin"


def credentials(settings: Settings, role: str) -> tuple[str, str] | None:
    if role == "anonymous":
        return None
    passwords = demo_user_passwords(settings)
    if role not in passwords:
        raise CaseError(
            f"role={role}: no such user in {settings.secrets_dir / 'demo-users.json'} "
            f"({', '.join(passwords)})"
        )
    return role, passwords[role]


def error_text(body: bytes, content_type: str) -> str:
    """The text of an OGC exception report (XML) or an OGC API error (JSON), else ''."""
    head = body.lstrip()[:4096]
    if head.startswith(b"<") and re.search(rb"<(\w+:)?(ServiceExceptionReport|ExceptionReport)\b", head):
        found = service_exception(body)
        return found.text if found else ""
    if "json" in content_type and head.startswith((b"[", b"{")):
        try:
            data = json.loads(body)
        except ValueError:
            return ""
        errors = data if isinstance(data, list) else [data]
        texts = [str(e.get("description") or "") for e in errors if isinstance(e, dict) and "code" in e]
        return "; ".join(t for t in texts if t)
    return ""


def judge(request: ReplayRequest, status: int, content_type: str, body: bytes, exception: str) -> str:
    """What is wrong with this answer, by the case's expectations ('' when nothing)."""
    if status == 0:
        return exception or "no answer"
    if request.expect_status is not None and status != request.expect_status:
        return f"HTTP {status}, expected {request.expect_status}"
    if request.expect_status is None and status >= 400:
        return f"HTTP {status}" + (f": {exception[:60]}" if exception else "")
    if request.expect_type and not content_type.startswith(request.expect_type):
        return f"Content-Type {content_type or 'none'}, expected {request.expect_type}"
    if request.expect_status is None and exception:
        return f"ServiceException: {exception[:60]}"
    text = body.decode("utf-8", errors="replace")
    for wanted in request.contains:
        if wanted not in text:
            return f"answer lacks '{wanted}'"
    for unwanted in request.absent:
        if unwanted in text:
            return f"answer holds '{unwanted}'"
    return ""


def send(settings: Settings, case: Case, request: ReplayRequest, out: Path) -> Outcome:
    url = f"{settings.base_url}/ows/{case.name}{request.target}"
    headers = dict(request.headers)
    data = request.body.read_bytes() if request.body else None
    if data is not None and "Content-Type" not in headers:
        is_xml = data.lstrip().startswith(b"<")
        headers["Content-Type"] = request.content_type or (
            "text/xml" if is_xml else "application/x-www-form-urlencoded"
        )
    headers.setdefault("X-Request-Id", f"repro-{case.name}-{request.number}-{time.time_ns()}")
    started = time.monotonic()
    if request.via == "qgis":
        bare = send_bare(settings, case, request)
        status, content_type, body = bare.status, bare.content_type, bare.body
        exception = bare.error or error_text(body, content_type)
        return outcome(request, out, status, content_type, body, exception, started, "")
    try:
        response = requests.request(
            request.method,
            url,
            data=data,
            headers=headers,
            auth=credentials(settings, request.role),
            timeout=request.timeout_s,
        )
        status, content_type, body = (
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.content,
        )
        exception = error_text(body, content_type)
    except requests.RequestException as error:
        status, content_type, body = 0, "", b""
        exception = (
            f"no answer within {request.timeout_s:.0f} s"
            if isinstance(error, requests.Timeout)
            else str(error)[:200]
        )
    return outcome(request, out, status, content_type, body, exception, started, headers["X-Request-Id"])


def outcome(
    request: ReplayRequest,
    out: Path,
    status: int,
    content_type: str,
    body: bytes,
    exception: str,
    started: float,
    request_id: str,
) -> Outcome:
    elapsed = time.monotonic() - started
    body_file = f"{request.label}{extension(content_type)}" if body else ""
    if body:
        (out / body_file).write_bytes(body)
    return Outcome(
        number=request.number,
        name=request.name,
        method=request.method,
        target=request.target,
        status=status,
        content_type=content_type,
        size=len(body),
        time_s=elapsed,
        exception=exception,
        body_file=body_file,
        failure=judge(request, status, content_type, body, exception),
        request_id=request_id,
    )


def replay(settings: Settings, case: Case, requests_: list[ReplayRequest], out: Path) -> list[Outcome]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    outcomes = []
    for request in requests_:
        outcome = send(settings, case, request, out)
        print(f"  {outcome.line}", flush=True)
        outcomes.append(outcome)
    (out / RESULTS_FILE).write_text(json.dumps([asdict(o) for o in outcomes], indent=1) + "\n")
    return outcomes


def read_outcomes(folder: Path) -> list[Outcome]:
    return [Outcome(**row) for row in json.loads((folder / RESULTS_FILE).read_text())]
