"""Every version side by side: one self-contained HTML file and a terminal summary.

The first screen answers which versions fail and how; below it, per request, what each
version answered and how it differs from the baseline version (diffs, images inlined).
"""

from __future__ import annotations

import base64
import html
import time
from dataclasses import dataclass
from pathlib import Path

from stack.repro.case import Case
from stack.repro.compare import Difference, compare
from stack.repro.replay import Outcome, read_outcomes

REPORT_FILE = "report.html"
BASELINE = "3.40"  # the stack's default version; otherwise the first one run

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
.ok{background:#e3f5e1}.fail{background:#fbe1df}.differs{outline:2px dashed #d08b00}
pre{background:#f6f6f6;padding:6px;overflow:auto;max-height:28em;font-size:12px}
.add{color:#067d17}.del{color:#b3261e}img{max-width:32%;border:1px solid #999;margin-right:4px}
h2{margin-top:1.6em;border-bottom:1px solid #ddd}small{color:#666}
"""


@dataclass(frozen=True)
class VersionRun:
    version: str
    folder: Path
    outcomes: list[Outcome]

    def body(self, outcome: Outcome) -> bytes:
        return (self.folder / outcome.body_file).read_bytes() if outcome.body_file else b""

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failure]


def collect(case_reports: Path, versions: list[str]) -> list[VersionRun]:
    runs = []
    for version in versions:
        folder = case_reports / version
        if (folder / "results.json").is_file():
            runs.append(VersionRun(version, folder, read_outcomes(folder)))
    return runs


def baseline_of(runs: list[VersionRun]) -> VersionRun:
    return next((r for r in runs if r.version == BASELINE), runs[0])


def differences(runs: list[VersionRun]) -> dict[tuple[str, int], Difference]:
    base = baseline_of(runs)
    found = {}
    for run in runs:
        if run is base:
            continue
        for mine, theirs in zip(run.outcomes, base.outcomes, strict=False):
            found[run.version, mine.number] = compare(
                base.body(theirs), theirs.content_type, run.body(mine), mine.content_type
            )
    return found


def verdict(run: VersionRun) -> str:
    if not run.failures:
        return f"QGIS {run.version}: all {len(run.outcomes)} requests as expected"
    listed = "; ".join(f"#{o.number} {o.name}: {o.failure}" for o in run.failures)
    return f"QGIS {run.version}: {len(run.failures)} of {len(run.outcomes)} fail — {listed}"


def summary(runs: list[VersionRun]) -> str:
    """The terminal table: one row per request, one column per version."""
    diffs = differences(runs)
    base = baseline_of(runs)
    head = f"{'request':32}" + "".join(f"{r.version:>22}" for r in runs)
    rows = [head]
    for index, outcome in enumerate(base.outcomes):
        cells = []
        for run in runs:
            mine = run.outcomes[index]
            diff = diffs.get((run.version, mine.number))
            mark = "✗" if mine.failure else "✓"
            changed = "≠" if diff and diff.kind != "same" else " "
            cells.append(f"{mark}{changed} {mine.status or '---'} {mine.time_s:6.2f}s".rjust(22))
        rows.append(f"{outcome.number:>2} {outcome.name[:29]:29}" + "".join(cells))
    rows.append(f"(✓ as expected, ✗ fails, ≠ answer differs from QGIS {base.version})")
    rows += [verdict(run) for run in runs]
    return "\n".join(rows)


def data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def colour_diff(diff: str) -> str:
    out = []
    for line in diff.splitlines():
        escaped = html.escape(line)
        if line.startswith("+") and not line.startswith("+++"):
            out.append(f'<span class="add">{escaped}</span>')
        elif line.startswith("-") and not line.startswith("---"):
            out.append(f'<span class="del">{escaped}</span>')
        else:
            out.append(escaped)
    return "\n".join(out)


def cell(outcome: Outcome, diff: Difference | None) -> str:
    css = "fail" if outcome.failure else "ok"
    if diff and diff.kind != "same":
        css += " differs"
    kind = html.escape(outcome.content_type.split(";")[0])
    text = f"{outcome.status or 'no answer'} · {kind} · {outcome.time_s:.2f} s"
    if outcome.failure:
        text += f"<br><b>✗ {html.escape(outcome.failure)}</b>"
    if diff and diff.kind != "same":
        text += f"<br><small>≠ baseline: {html.escape(diff.summary)}</small>"
    return f'<td class="{css}">{text}</td>'


def detail(case: Case, index: int, runs: list[VersionRun], diffs: dict[tuple[str, int], Difference]) -> str:
    base = baseline_of(runs)
    first = base.outcomes[index]
    parts = [f'<h2 id="r{first.number}">#{first.number} {html.escape(first.name)}</h2>']
    parts.append(
        f"<p><code>{html.escape(first.method)} /ows/{case.name}{html.escape(first.target)}</code></p>"
    )
    for run in runs:
        mine = run.outcomes[index]
        diff = diffs.get((run.version, mine.number))
        parts.append(f"<h3>QGIS {run.version}{' (baseline)' if run is base else ''}</h3><ul>")
        parts.append(
            f"<li>HTTP {mine.status or 'no answer'}, {html.escape(mine.content_type)}, "
            f"{mine.size:,} B, {mine.time_s:.2f} s</li>"
        )
        if mine.exception:
            parts.append(f"<li>ServiceException / error: {html.escape(mine.exception)}</li>")
        if mine.failure:
            parts.append(f"<li><b>fails: {html.escape(mine.failure)}</b></li>")
        if diff:
            parts.append(f"<li>against {base.version}: {html.escape(diff.summary)}</li>")
        parts.append("</ul>")
        body = run.body(mine)
        if mine.content_type.startswith("image/") and body:
            images = [
                f'<img alt="QGIS {run.version}" title="QGIS {run.version}" '
                f'src="{data_uri(body, mine.content_type.split(";")[0])}">'
            ]
            if diff and diff.diff_png:
                theirs = base.outcomes[index]
                images.insert(
                    0,
                    f'<img alt="baseline" title="QGIS {base.version}" '
                    f'src="{data_uri(base.body(theirs), "image/png")}">',
                )
                images.append(
                    f'<img alt="difference" title="difference" src="{data_uri(diff.diff_png, "image/png")}">'
                )
            parts.append("<p>" + "".join(images) + "</p>")
        elif diff and diff.diff:
            parts.append(f"<pre>{colour_diff(diff.diff)}</pre>")
        elif run is base and body and not mine.content_type.startswith("image/"):
            parts.append(f"<pre>{html.escape(body[:1500].decode('utf-8', errors='replace'))}</pre>")
    return "\n".join(parts)


def write_report(case: Case, case_reports: Path, versions: list[str]) -> Path:
    runs = collect(case_reports, versions)
    diffs = differences(runs)
    base = baseline_of(runs)
    failing = [r.version for r in runs if r.failures]
    headline = (
        f"Fails on QGIS {', '.join(failing)}; as expected on "
        f"{', '.join(r.version for r in runs if not r.failures) or 'none'}"
        if failing
        else "Every version answers as expected"
    )
    rows = []
    for index, outcome in enumerate(base.outcomes):
        cells = "".join(cell(run.outcomes[index], diffs.get((run.version, outcome.number))) for run in runs)
        rows.append(
            f'<tr><td><a href="#r{outcome.number}">#{outcome.number} {html.escape(outcome.name)}</a></td>'
            f"{cells}</tr>"
        )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>repro {html.escape(case.name)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(case.name)}: {html.escape(headline)}</h1>
<p>{html.escape(case.description)}</p>
<ul>{"".join(f"<li>{html.escape(verdict(r))}</li>" for r in runs)}</ul>
<table><tr><th>request</th>{"".join(f"<th>QGIS {r.version}</th>" for r in runs)}</tr>{"".join(rows)}</table>
<p><small>green: as the case expects; red: fails; dashed: the answer differs from QGIS {base.version}
(XML in canonical form, JSON with sorted keys, images by pixel).
Written {time.strftime("%Y-%m-%d %H:%M:%S")}.</small></p>
{"".join(detail(case, i, runs, diffs) for i in range(len(base.outcomes)))}
</body></html>
"""
    target = case_reports / REPORT_FILE
    target.write_text(page)
    return target
