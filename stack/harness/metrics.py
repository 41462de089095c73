"""Reading the stack's Prometheus text (/metrics): samples by name and labels."""

from __future__ import annotations

import re

import requests

from stack.harness.handle import StackHandle

Sample = tuple[str, frozenset[tuple[str, str]]]
_LINE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>.*)\})?\s+(?P<value>\S+)$")
_LABEL = re.compile(r'(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"')


def parse(text: str) -> dict[Sample, float]:
    samples: dict[Sample, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"not Prometheus text: {line!r}")
        labels = frozenset((m["key"], m["value"]) for m in _LABEL.finditer(match["labels"] or ""))
        samples[(match["name"], labels)] = float(match["value"])
    return samples


def value(samples: dict[Sample, float], name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist yet (a counter not yet counted)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(stack: StackHandle) -> dict[Sample, float]:
    response = requests.get(f"{stack.base_url}/metrics", timeout=30)
    response.raise_for_status()
    return parse(response.text)
