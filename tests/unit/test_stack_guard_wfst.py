"""stack_guard's WFS-T check: the transactions QGIS would loop on, found without QGIS."""

import sys

import pytest

from stack.harness.wfst import delete, insert, transaction, update
from stack.security.refusals import TABLE_PATH

sys.path.insert(0, str(TABLE_PATH.parents[1]))
from stack_guard.wfst import unknown_property

FIELDS = {"observations": frozenset({"id", "name", "kind", "observed_on"})}
OK = {"name": "Kingfisher", "kind": "sighting"}


def fields_of(type_name: str) -> frozenset[str] | None:
    return FIELDS.get(type_name)


@pytest.mark.parametrize(
    "body",
    [
        transaction(insert("observations", OK, (6.1, 49.6))),
        transaction(insert("observations", OK, None), update("observations", [1], {"kind": "nest"})),
        transaction(delete("observations", [1])),
        transaction(insert("no_such_layer", {"anything": "x"}, None)),  # QGIS answers that itself
        transaction(update("observations", [1], {"name": "x"}, point=(6.0, 49.0))),  # geometry is allowed
    ],
)
def test_transactions_naming_known_properties_pass(body: bytes) -> None:
    assert unknown_property(body, fields_of) is None


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (transaction(insert("observations", {**OK, "colour": "red"}, None)), "colour"),
        (transaction(update("observations", [1], {"colour": "red"})), "colour"),
        (
            transaction(insert("observations", OK, None)).replace(b"<qgs:name>", b"<!-- x --><qgs:name>"),
            "Insert",
        ),
        (transaction(insert("observations", OK, None)).replace(b"<qgs:name>", b"text<qgs:name>"), "Insert"),
        (
            transaction(insert("observations", OK, None)).replace(b"<qgs:name>", b"<![CDATA[ ]]><qgs:name>"),
            "Insert",
        ),
        (
            transaction(insert("observations", OK, None)).replace(b"<qgs:name>", b"<?pi x?><qgs:name>"),
            "Insert",
        ),
        (b"<wfs:Transaction", "request body"),
    ],
)
def test_transactions_qgis_would_loop_on_are_refused(body: bytes, named: str) -> None:
    refusal = unknown_property(body, fields_of)

    assert refusal is not None
    assert refusal.parameter == named
