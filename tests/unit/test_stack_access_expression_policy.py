"""stack_access's expression policy: which filters a client may send. Plain logic, no QGIS."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins" / "stack_access"))
from expression_policy import (
    ALLOWED_FUNCTIONS,
    Refusal,
    called_functions,
    check_expression_text,
    check_hidden_names,
    check_xml,
    mentions,
    xml_documents,
)

HIDDEN = frozenset({"wb_a2", "wb_a3"})


@pytest.mark.parametrize(
    ("text", "functions"),
    [
        ("aggregate('places','count',\"id\") > 1", {"aggregate"}),
        ("AGGREGATE ('places','count',\"id\")", {"aggregate"}),
        ("env/* hidden */('HOME')", {"env"}),
        ("env -- a comment\n('HOME')", {"env"}),
        ("$geometry IS NOT NULL AND upper(\"name\") = 'X'", {"$geometry", "upper"}),
        ('"pop_max" > 1000000', set()),
    ],
)
def test_calls_are_found_however_spelt(text: str, functions: set[str]) -> None:
    assert called_functions(text) == functions


@pytest.mark.parametrize(
    "text",
    [
        "aggregate('observations','concatenate',\"name\") LIKE 'A%'",
        "relation_aggregate('r','count',\"id\") > 0",
        "get_feature('observations','id',1) IS NOT NULL",
        "layer_property('observations','feature_count') > 0",
        "eval('1') = 1",
        "env('HOME') LIKE '/%'",
        "file_exists('/etc/passwd')",
        "file_size('/etc/passwd') > 0",
        "attribute(@feature, 'wb_a3') = 'NOR'",
        "@project_path LIKE '/srv%'",
        "var('project_path') LIKE '/srv%'",
        "regexp_match(\"name\", '(a+)+$')",
    ],
)
def test_functions_that_read_beyond_the_feature_are_refused(text: str) -> None:
    with pytest.raises(Refusal):
        check_expression_text(text, "EXP_FILTER")


@pytest.mark.parametrize(
    "text",
    [
        "\"name\" = 'Norway'",
        'upper("name") LIKE \'NOR%\' AND length("name") > 2',
        '"pop_max" BETWEEN 1 AND 10 OR "pop_max" IN (5, 6)',
        "intersects($geometry, geom_from_wkt('POINT(6 50)'))",
        "coalesce(\"name\", '') <> ''",
    ],
)
def test_filters_on_the_features_own_values_pass(text: str) -> None:
    check_expression_text(text, "EXP_FILTER")


def test_the_allow_list_holds_nothing_that_reads_beyond_the_feature() -> None:
    dangerous = {
        "aggregate",
        "eval",
        "env",
        "var",
        "attribute",
        "get_feature",
        "layer_property",
        "file_exists",
    }
    assert not dangerous & ALLOWED_FUNCTIONS


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("\"wb_a3\" = 'NOR'", True),
        ("WB_A3 = 'NOR'", True),
        ('countries:"wb_a2" IS NULL', True),
        ('"wb_a33" = 1 OR "xwb_a3" = 1', False),
        ("\"name\" = 'Norway'", False),
    ],
)
def test_a_hidden_name_is_found_as_an_identifier_only(text: str, found: bool) -> None:
    assert mentions(text, "wb_a3") or mentions(text, "wb_a2") is found


def test_a_hidden_name_anywhere_is_refused() -> None:
    with pytest.raises(Refusal, match="not available"):
        check_hidden_names("name,wb_a3", HIDDEN, "PROPERTYNAME")


@pytest.mark.parametrize(
    "xml",
    [
        "<Filter><PropertyIsEqualTo><PropertyName>wb_a3</PropertyName><Literal>N</Literal>"
        "</PropertyIsEqualTo></Filter>",
        "<Filter><PropertyIsEqualTo><PropertyName>&#119;b_a3</PropertyName><Literal>N</Literal>"
        "</PropertyIsEqualTo></Filter>",
        '<f:Filter xmlns:f="urn:x"><f:PropertyIsEqualTo><f:Function name="env"><f:Literal>HOME</f:Literal>'
        "</f:Function><f:Literal>x</f:Literal></f:PropertyIsEqualTo></f:Filter>",
        '<!DOCTYPE f [<!ENTITY h "wb_a3">]><Filter><PropertyName>&h;</PropertyName></Filter>',
        "<Filter><PropertyName>wb_a3</PropertyName>",  # not well-formed: read as text
        '<ogc:Filter><ogc:Function name="&#101;nv"/></ogc:Filter>',  # unbound prefix: as text
        "(<Filter><PropertyName>name</PropertyName></Filter>)(<Filter><PropertyName>wb_a2</PropertyName></Filter>)",
    ],
    ids=["property", "character-reference", "function", "dtd", "broken", "unbound-prefix", "second-of-two"],
)
def test_xml_filters_are_read_as_xml(xml: str) -> None:
    with pytest.raises(Refusal):
        check_xml(xml, HIDDEN, "FILTER")


def test_an_xml_filter_on_visible_attributes_passes() -> None:
    check_xml(
        "<Filter><PropertyIsEqualTo><PropertyName>name</PropertyName><Literal>Norway</Literal>"
        '</PropertyIsEqualTo><Function name="upper"/></Filter>',
        HIDDEN,
        "FILTER",
    )


def test_several_filters_in_parentheses_are_split() -> None:
    assert len(xml_documents("(<Filter/>)(<Filter></Filter>)")) == 2


def test_xml_this_parser_cannot_read_is_left_to_qgis_when_it_names_nothing_hidden() -> None:
    check_xml("<ogc:Filter><ogc:PropertyName>name</ogc:PropertyName>", HIDDEN, "FILTER")
