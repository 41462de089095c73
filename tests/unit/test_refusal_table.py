"""The refusal table: nginx and stack_guard are both checked against its every example."""

import re
import sys
from urllib.parse import parse_qsl

import pytest

from stack.security.refusals import (
    NGINX_MAP_PATH,
    TABLE_PATH,
    Example,
    allowed_queries,
    load_rules,
    render_nginx_map,
)

sys.path.insert(0, str(TABLE_PATH.parent))
import rules as guard

RULES = load_rules()
EXAMPLES = [example for rule in RULES for example in rule.examples]
REASONS = guard.reasons(guard.load_table())


def nginx_refuses(raw_query: str) -> bool:
    """What nginx's `map $args` does: the rules' PCREs, case-insensitive, on the raw query."""
    return any(rule.nginx and re.search(rule.nginx, raw_query, re.IGNORECASE) for rule in RULES)


def guard_refusal(raw_query: str) -> guard.Refusal | None:
    """What stack_guard sees: QGIS decodes '+' and %XX in names and values before plugins run."""
    parameters = dict(parse_qsl(raw_query, keep_blank_values=True))
    return guard.refused_parameter(parameters, REASONS)


def test_the_nginx_map_is_rendered_from_the_table() -> None:
    assert NGINX_MAP_PATH.read_text() == render_nginx_map(RULES), (
        "nginx/refused-parameters.map is stale: run python -m stack.security.refusals"
    )


def test_every_rule_in_the_table_is_implemented_by_the_guard_and_no_other() -> None:
    implemented = {*guard.PARAMETER_RULES, guard.XML_DEPTH_RULE}

    assert {rule.id for rule in RULES} == implemented


def test_every_rule_has_examples_and_a_reason() -> None:
    for rule in RULES:
        assert rule.examples, rule.id
        assert len(rule.reason) > 20, rule.id


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.rule}:{e.query[:60]}")
def test_the_guard_refuses_every_example(example: Example) -> None:
    assert guard_refusal(example.query) is not None


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.rule}:{e.query[:60]}")
def test_nginx_refuses_exactly_the_examples_the_table_says(example: Example) -> None:
    assert nginx_refuses(example.query) == example.nginx


@pytest.mark.parametrize("query", allowed_queries())
def test_ordinary_requests_pass_both(query: str) -> None:
    assert not nginx_refuses(query)
    assert guard_refusal(query) is None


def test_a_layer_whose_name_merely_contains_external_wms_passes() -> None:
    # The refused token is EXTERNAL_WMS: with its colon, in any parameter's value.
    assert guard_refusal("LAYERS=my_external_wms_copy,external_wms_2") is None
    assert not nginx_refuses("LAYERS=my_external_wms_copy,external_wms_2")


@pytest.mark.parametrize(
    ("name", "refused"),
    [("MAP0:LAYERS", False), ("map12:highlight_symbol", False), ("MAP:LAYERS", True), ("x:url", True)],
)
def test_only_numbered_print_map_prefixes_pass(name: str, refused: bool) -> None:
    assert (guard_refusal(f"{name}=countries") is not None) == refused
    assert nginx_refuses(f"{name}=countries") == refused


def test_the_refusal_names_rule_parameter_and_reason() -> None:
    refusal = guard_refusal("SERVICE=WMS&LAYERS%00=EXTERNAL_WMS:x")

    assert refusal == guard.Refusal("control-bytes", "LAYERS\x00", REASONS["control-bytes"])


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("<a/>", 0),
        ("<a><b/><c></c></a>", 2),
        ("<?xml version='1.0'?><!-- <x><x><x> --><a><![CDATA[<y><y>]]></a>", 1),
        ("<a>" * 100 + "</a>" * 100, 100),
        ("<a><b x='>'/></a>", 2),  # errs high, never low
    ],
)
def test_xml_depth(text: str, depth: int) -> None:
    assert guard.xml_depth(text) == depth


def test_deep_xml_in_a_parameter_is_refused_up_to_the_limit() -> None:
    shallow = {"SLD_BODY": "<a>" * 10 + "</a>" * 10}
    deep = {"SLD_BODY": "<a>" * 11 + "</a>" * 11}

    assert guard.refused_parameter(shallow, REASONS, max_xml_depth=10) is None
    assert guard.refused_parameter(deep, REASONS, max_xml_depth=10).rule == "xml-depth"
