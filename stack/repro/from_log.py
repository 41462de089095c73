"""From access logs to a case's requests.txt.

Reads, line by line and mixed in any order:
- nginx's JSON access log of this stack (`make logs SERVICE=nginx`): method, uri, status, request_id;
- the stack_request_log plugin's JSON lines (qgis-server's log): service, request, layers,
  project, role, status, request_id. Alone they give no URL, only what it asked for; next
  to nginx's lines (same request_id) they add the role;
- the combined format of any nginx or Apache ("GET /path?query HTTP/1.1" status …),
  including the CGI spelling /cgi-bin/qgis_mapserv.fcgi?MAP=/path/project.qgs&….
`docker compose logs` prefixes ("nginx-1  | ") are dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from stack.repro.case import REQUESTS_FILE, CaseError

COMBINED = re.compile(
    r"^(?P<addr>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "
    r'"(?P<method>[A-Z]+) (?P<uri>\S+)[^"]*" (?P<status>\d{3}) '
)
COMPOSE_PREFIX = re.compile(r"^[\w.-]+\s+\|\s?")
OWS_PATH = re.compile(r"^/ows/(?P<project>[A-Za-z0-9_-]+)(?P<rest>/.*)?$")
API_PATH = re.compile(r"(?P<rest>/(wfs3|ogcapi)(/.*)?)$")
# Never replayed: the project comes from the case, and nginx refuses these anyway.
DROPPED_PARAMETERS = ("MAP",)


@dataclass(frozen=True)
class LogFilter:
    project: str | None = None
    status: str | None = None  # "500", "5xx", "400-499", "500,504"
    since: str | None = None
    until: str | None = None
    request_id: str | None = None

    def status_matches(self, status: int) -> bool:
        if not self.status:
            return True
        for part in self.status.split(","):
            part = part.strip().lower()
            if re.fullmatch(r"[1-5]xx", part) and status // 100 == int(part[0]):
                return True
            if "-" in part:
                low, _, high = part.partition("-")
                if int(low) <= status <= int(high):
                    return True
            if part.isdigit() and status == int(part):
                return True
        return False


@dataclass
class LoggedRequest:
    time: datetime | None
    method: str
    project: str
    target: str  # relative to /ows/<project>
    status: int
    request_id: str = ""
    role: str = ""
    reconstructed: bool = False  # from the plugin's line alone: SERVICE/REQUEST/layers only


def parse_time(text: str) -> datetime | None:
    for form in ("%d/%b/%Y:%H:%M:%S %z",):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def split_uri(uri: str) -> tuple[str, str] | None:
    """(project, target relative to its endpoint) of a request URI, or None if not an OWS one."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    project = ""
    for key, value in query:
        if key.upper() == "MAP":
            project = Path(value).stem
    query = [(k, v) for k, v in query if k.upper() not in DROPPED_PARAMETERS]
    encoded = ("?" + urlencode(query, safe=":,/*")) if query else ""
    ows = OWS_PATH.match(parts.path)
    if ows:
        return ows["project"], (ows["rest"] or "") + (encoded or ("" if ows["rest"] else "?"))
    api = API_PATH.search(parts.path)
    if api:
        return project, api["rest"] + encoded
    if query and any(k.upper() in ("SERVICE", "REQUEST") for k, _ in query):
        return project, encoded
    return None


def from_json(record: dict) -> tuple[LoggedRequest | None, dict | None]:
    """A nginx line gives a request; a plugin line gives details to join by request id."""
    if "uri" in record and "method" in record:
        split = split_uri(str(record["uri"]))
        if split is None:
            return None, None
        return (
            LoggedRequest(
                time=parse_time(str(record.get("time", ""))),
                method=str(record["method"]),
                project=split[0],
                target=split[1],
                status=int(record.get("status") or 0),
                request_id=str(record.get("request_id") or ""),
            ),
            None,
        )
    if "service" in record and "request" in record:
        return None, record
    return None, None


def from_plugin_alone(record: dict) -> LoggedRequest | None:
    if not record.get("service") or record.get("project") in ("health", ""):
        return None
    query = {"SERVICE": record["service"], "REQUEST": record["request"]}
    if record.get("layers"):
        key = "TYPENAME" if str(record["service"]).upper() == "WFS" else "LAYERS"
        query[key] = ",".join(record["layers"])
    return LoggedRequest(
        time=parse_time(str(record.get("time", ""))),
        method="GET",
        project=str(record.get("project") or ""),
        target="?" + urlencode(query, safe=":,"),
        status=int(record.get("status") or 0),
        request_id=str(record.get("request_id") or ""),
        role=str(record.get("role") or ""),
        reconstructed=True,
    )


def read_log(path: Path) -> list[LoggedRequest]:
    if not path.is_file():
        raise CaseError(f"{path}: no such log file")
    found: list[LoggedRequest] = []
    details: dict[str, dict] = {}
    for raw in path.read_text(errors="replace").splitlines():
        line = COMPOSE_PREFIX.sub("", raw.strip()) if not raw.startswith(("{", "[")) else raw.strip()
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            request, detail = from_json(record)
            if request:
                found.append(request)
            elif detail:
                details[str(detail.get("request_id") or f"#{len(details)}")] = detail
            continue
        combined = COMBINED.match(line)
        if combined:
            split = split_uri(combined["uri"])
            if split:
                found.append(
                    LoggedRequest(
                        time=parse_time(combined["time"]),
                        method=combined["method"],
                        project=split[0],
                        target=split[1],
                        status=int(combined["status"]),
                    )
                )
    known = {r.request_id for r in found if r.request_id}
    for request in found:
        if request.request_id in details:
            request.role = str(details[request.request_id].get("role") or "")
    found += [r for key, d in details.items() if key not in known and (r := from_plugin_alone(d))]
    return found


def chosen(requests_: list[LoggedRequest], rule: LogFilter) -> list[LoggedRequest]:
    since = parse_time(rule.since) if rule.since else None
    until = parse_time(rule.until) if rule.until else None
    if (rule.since and since is None) or (rule.until and until is None):
        raise CaseError(f"--since/--until: not an ISO 8601 time ({rule.since or ''} {rule.until or ''})")
    kept = []
    for request in requests_:
        if rule.project and request.project != Path(rule.project).stem:
            continue
        if not rule.status_matches(request.status):
            continue
        if rule.request_id and request.request_id != rule.request_id:
            continue
        if since and (request.time is None or request.time < since):
            continue
        if until and (request.time is None or request.time >= until):
            continue
        kept.append(request)
    return sorted(kept, key=lambda r: r.time or datetime.min.replace(tzinfo=UTC))


def requests_line(request: LoggedRequest) -> str:
    when = request.time.isoformat() if request.time else "?"
    note = f"# {when} HTTP {request.status}" + (f" id {request.request_id}" if request.request_id else "")
    if request.reconstructed:
        note += " (request log only: SERVICE, REQUEST and layers; other parameters were not logged)"
    role = f" role={request.role}" if request.role and request.role != "anonymous" else ""
    if request.method == "POST":
        hint = "← the log holds no body: save it and uncomment"
        return f'{note}\n# POST "{request.target}" body=FILE{role}   {hint}'
    return f'{note}\n{request.method} "{request.target}"{role}'


def write_requests(logs: list[Path], case: Path, rule: LogFilter, append: bool = False) -> tuple[int, Path]:
    found = [r for log in logs for r in read_log(log)]
    kept = chosen(found, rule)
    case.mkdir(parents=True, exist_ok=True)
    target = case / REQUESTS_FILE
    sources = ", ".join(str(log) for log in logs)
    header = f"# from {sources}: {len(kept)} of {len(found)} logged OWS request(s)\n"
    text = header + "\n".join(requests_line(r) for r in kept) + "\n"
    if append and target.is_file():
        text = target.read_text().rstrip("\n") + "\n" + text
    target.write_text(text)
    return len(kept), target
