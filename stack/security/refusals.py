"""The refusal table (qgis-server/builtin-plugins/stack_guard/refusals.json) seen from the host.

stack_guard implements the table's rules inside QGIS; nginx gets each rule's regex as a
`map` over the raw query string, rendered here into nginx/refused-parameters.map, which is
committed (the nginx image is built from nginx/ alone) and checked by a unit test.

    python -m stack.security.refusals        rewrites nginx/refused-parameters.map
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stack.core.settings import REPO_ROOT

TABLE_PATH = REPO_ROOT / "qgis-server" / "builtin-plugins" / "stack_guard" / "refusals.json"
NGINX_MAP_PATH = REPO_ROOT / "nginx" / "refused-parameters.map"


@dataclass(frozen=True)
class Example:
    rule: str
    query: str  # raw, as sent on the wire
    nginx: bool  # whether nginx refuses it already (else only stack_guard can)


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str
    nginx: str | None  # PCRE matched case-insensitively against nginx's raw $args
    examples: tuple[Example, ...]


def load_rules(path: Path = TABLE_PATH) -> tuple[Rule, ...]:
    table = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Rule(
            id=rule["id"],
            reason=rule["reason"],
            nginx=rule["nginx"],
            examples=tuple(Example(rule["id"], e["query"], e["nginx"]) for e in rule["refuse"]),
        )
        for rule in table["rules"]
    )


def allowed_queries(path: Path = TABLE_PATH) -> tuple[str, ...]:
    return tuple(json.loads(path.read_text(encoding="utf-8"))["allow"])


def _nginx_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_nginx_map(rules: tuple[Rule, ...]) -> str:
    lines = [
        "# Generated from qgis-server/builtin-plugins/stack_guard/refusals.json by",
        "# `python -m stack.security.refusals`: edit the table, not this file.",
        "# Included in `map $args $stack_refused_parameter`; the first match wins.",
    ]
    for rule in rules:
        if rule.nginx is not None:
            lines.append(f"{_nginx_string('~*' + rule.nginx)} {_nginx_string(f'{rule.id}: {rule.reason}')};")
    return "\n".join(lines) + "\n"


def main() -> None:
    NGINX_MAP_PATH.write_text(render_nginx_map(load_rules()), encoding="utf-8")
    print(f"wrote {NGINX_MAP_PATH.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
