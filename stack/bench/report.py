"""make bench's report: medians over the repeats, ratios against the stack, the printed
table, reports/bench/bench.json and a PNG chart."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

STACK = "stack (nginx)"
LIMIT = "limit (in-process)"


@dataclass
class Row:
    target: str
    workload: str
    concurrency: int
    repeat: int
    requests: int
    seconds: float
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float
    loadgen_cpu_ms_per_request: float
    same_bytes_as_limit: bool | None = None


Key = tuple[str, str, int]  # workload, target, concurrency


def medians(rows: list[Row]) -> dict[Key, dict[str, float]]:
    grouped: dict[Key, list[Row]] = {}
    for row in rows:
        grouped.setdefault((row.workload, row.target, row.concurrency), []).append(row)
    return {
        key: {
            field: statistics.median(getattr(r, field) for r in group)
            for field in (
                "rate",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "cpu_ms_per_request",
                "loadgen_cpu_ms_per_request",
            )
        }
        | {"errors": sum(r.errors for r in group), "requests": sum(r.requests for r in group)}
        for key, group in grouped.items()
    }


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table(rows: list[Row], targets: list[str]) -> str:
    stats = medians(rows)
    lines = [
        f"{'workload':30} {'c':>2} {'target':26} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8}"
        f" {'err':>4} {'cpu ms/req':>10} {'wrk ms/req':>10} {'stack÷this p50':>14} {'req/s stack÷this':>16}",
    ]
    for workload, concurrency in dict.fromkeys((r.workload, r.concurrency) for r in rows):
        stack = stats.get((workload, STACK, concurrency))
        for target in targets:
            s = stats.get((workload, target, concurrency))
            if s is None:
                continue
            lat = ratio(stack["p50_ms"], s["p50_ms"]) if stack else None
            thr = ratio(stack["rate"], s["rate"]) if stack else None
            lines.append(
                f"{workload:30} {concurrency:>2} {target:26} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f}"
                f" {s['p99_ms']:8.1f} {s['rate']:8.1f} {s['errors']:>4.0f} {s['cpu_ms_per_request']:10.1f}"
                f" {s['loadgen_cpu_ms_per_request']:10.2f} {fmt(lat):>14} {fmt(thr):>16}"
            )
        lines.append("")
    return "\n".join(lines)


def write_json(path: Path, meta: dict, rows: list[Row], extra: dict) -> None:
    stats = medians(rows)
    summary = [{"workload": w, "target": t, "concurrency": c, **s} for (w, t, c), s in sorted(stats.items())]
    path.write_text(
        json.dumps({**meta, "rows": [asdict(r) for r in rows], "summary": summary, **extra}, indent=1)
    )


def chart(path: Path, rows: list[Row], targets: list[str], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = medians(rows)
    workloads = list(dict.fromkeys(r.workload for r in rows))
    concurrencies = sorted({r.concurrency for r in rows})
    fig, axes = plt.subplots(len(workloads), 2, figsize=(13, 2.6 * len(workloads)), squeeze=False)
    for i, workload in enumerate(workloads):
        for target in targets:
            xs = [c for c in concurrencies if (workload, target, c) in stats]
            if not xs:
                continue
            axes[i][0].plot(xs, [stats[(workload, target, c)]["rate"] for c in xs], marker="o", label=target)
            axes[i][1].plot(
                xs, [stats[(workload, target, c)]["p50_ms"] for c in xs], marker="o", label=target
            )
        axes[i][0].set_ylabel(workload, fontsize=8)
        axes[i][0].set_title("req/s", fontsize=8)
        axes[i][1].set_title("p50 ms (log)", fontsize=8)
        axes[i][1].set_yscale("log")
        for ax in axes[i]:
            ax.set_xticks(concurrencies)
            ax.tick_params(labelsize=7)
    axes[0][1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    axes[-1][0].set_xlabel("concurrent clients")
    axes[-1][1].set_xlabel("concurrent clients")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def floor_table(rows: list[dict]) -> str:
    lines = [
        "per-request floor: small requests at concurrency 1, p50 (ms); each variant measured twice"
        " (order ABCD DCBA), the mean and the two overheads",
        f"{'QGIS':5} {'batch':5} {'fix':4} {'priority':8} {'workload':24} {'stack':>7} {'in-process':>10}"
        f" {'overhead':>9}  windows",
    ]
    for r in rows:
        # Reports written before the accept priority or the batching existed lack the field.
        priority = {True: "on", False: "off", None: "—"}[r.get("accept_priority")]
        batch = {True: "on", False: "off", None: "—"}[r.get("log_batch")]
        windows = ", ".join(f"{stack - limit:.2f}" for stack, limit in r.get("windows_ms", [])) or "—"
        lines.append(
            f"{r['qgis']:5} {batch:5} {'on' if r['fix'] else 'off':4} {priority:8} {r['workload']:24}"
            f" {r['stack_p50_ms']:7.2f} {r['in_process_p50_ms']:10.2f} {r['overhead_ms']:9.2f}"
            f"  {windows}"
        )
    return "\n".join(lines)


def markdown(summary: list[dict], targets: list[str], concurrency: int) -> str:
    """One row per workload at one concurrency: p50 and req/s of every target, and the
    stack's throughput over each."""
    stats = {(s["workload"], s["target"], s["concurrency"]): s for s in summary}
    workloads = list(dict.fromkeys(s["workload"] for s in summary))
    head = "| workload | " + " | ".join(targets) + " |"
    lines = [head, "|" + " --- |" * (len(targets) + 1)]
    for workload in workloads:
        c = 1 if workload.endswith("cold") else concurrency
        stack = stats.get((workload, STACK, c))
        cells = []
        for target in targets:
            s = stats.get((workload, target, c))
            if s is None:
                cells.append("—")
                continue
            rate = f", {s['rate']:.1f}/s" if s["rate"] else ""
            ratio_text = ""
            if stack and target != STACK and s["rate"] and stack["rate"]:
                ratio_text = f" (stack {stack['rate'] / s['rate']:.2f})"
            elif stack and target != STACK and not s["rate"]:
                ratio_text = f" (stack {s['p50_ms'] / stack['p50_ms']:.2f})"
            cells.append(f"{s['p50_ms']:.0f} ms{rate}{ratio_text}")
        lines.append(f"| {workload} (c={c}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    data = json.loads(Path(args[0]).read_text())
    concurrency = int(args[1]) if len(args) > 1 else data["workers"]
    targets = list(dict.fromkeys(r["target"] for r in data["rows"]))
    print(markdown(data["summary"], targets, concurrency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
