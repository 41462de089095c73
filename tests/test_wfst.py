"""WFS-T (WFS 1.1.0 Transaction) on the editable demo layer, each change read back from PostGIS.

Every test that may write runs inside a fixture that snapshots the table first and puts the
rows and the id sequence back afterwards, whether the test passed or not.
"""

from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from lxml import etree
from owslib.fes import PropertyIsEqualTo

from stack.harness.crosscheck import stored_rows
from stack.harness.handle import StackHandle
from stack.harness.postgis import count_rows
from stack.harness.snapshots import TableSnapshot, restore_table, snapshot_table, table_digest
from stack.harness.wfs import WFS_NS, ogc_filter, served_ids
from stack.harness.wfst import delete, insert, post_transaction, transaction, update
from tests.demo import EDITABLE_LAYER, VECTOR_LAYERS

pytestmark = [pytest.mark.destructive, pytest.mark.postgis]

OBSERVATIONS = VECTOR_LAYERS[EDITABLE_LAYER]
SEED_IDS = [1, 2, 3]  # postgis/initdb.d/30-demo-observations.sql
KINGFISHER = {"name": "Kingfisher at the Alzette", "kind": "sighting", "observed_on": "2024-06-01"}
KINGFISHER_AT = (6.1319, 49.6116)


@pytest.fixture(scope="module")
def stack(stack_as_editor: StackHandle) -> StackHandle:
    """Edits need the editor role (access/rules.yaml); test_plugin_access checks the others."""
    return stack_as_editor


@pytest.fixture
def observations(pg: psycopg.Connection) -> Iterator[TableSnapshot]:
    snapshot = snapshot_table(pg, OBSERVATIONS)
    assert sorted(stored_rows(pg, OBSERVATIONS, SEED_IDS)) == SEED_IDS, "the seed rows are missing"
    try:
        yield snapshot
    finally:
        restore_table(pg, snapshot)


@pytest.fixture
def countries(pg: psycopg.Connection) -> Iterator[TableSnapshot]:
    # Guards a layer that must refuse edits: if QGIS ever accepted one, the data comes back.
    snapshot = snapshot_table(pg, VECTOR_LAYERS["countries"])
    try:
        yield snapshot
    finally:
        restore_table(pg, snapshot)


def point_of(pg: psycopg.Connection, row_id: int) -> tuple[float, float, int]:
    row = pg.execute(
        "SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM demo.observations WHERE id = %s", (row_id,)
    ).fetchone()
    assert row is not None, f"no observation {row_id}"
    return row


def test_insert_adds_the_row_to_postgis(
    stack: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    before = count_rows(pg, OBSERVATIONS)

    outcome = post_transaction(stack, transaction(insert(EDITABLE_LAYER, KINGFISHER, KINGFISHER_AT)))

    assert outcome.http_status == 200 and outcome.exception is None, outcome
    assert outcome.totals == {"totalInserted": 1} and not outcome.messages, outcome
    [new_id] = outcome.inserted_ids
    assert new_id not in SEED_IDS
    assert count_rows(pg, OBSERVATIONS) == before + 1
    row = stored_rows(pg, OBSERVATIONS, [new_id])[new_id]
    assert row == {**KINGFISHER, "id": new_id, "observed_on": date(2024, 6, 1)}
    assert point_of(pg, new_id) == (*KINGFISHER_AT, 4326)
    assert new_id in served_ids(stack, {"TYPENAME": EDITABLE_LAYER})


def test_update_changes_only_the_named_row_and_properties(
    stack: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    before = stored_rows(pg, OBSERVATIONS, SEED_IDS)
    change = update(
        EDITABLE_LAYER, [2], {"kind": "hazard cleared", "observed_on": "2024-07-14"}, (6.05, 49.7)
    )

    outcome = post_transaction(stack, transaction(change))

    assert outcome.exception is None and outcome.totals == {"totalUpdated": 1}, outcome
    after = stored_rows(pg, OBSERVATIONS, SEED_IDS)
    assert after[2] == {**before[2], "kind": "hazard cleared", "observed_on": date(2024, 7, 14)}
    assert point_of(pg, 2) == (6.05, 49.7, 4326)
    assert {1: after[1], 3: after[3]} == {1: before[1], 3: before[3]}


def test_delete_removes_only_the_named_row(
    stack: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    outcome = post_transaction(stack, transaction(delete(EDITABLE_LAYER, [3])))

    assert outcome.exception is None and outcome.totals == {"totalDeleted": 1}, outcome
    assert sorted(stored_rows(pg, OBSERVATIONS, SEED_IDS)) == [1, 2]


def test_a_snapshot_puts_back_the_rows_and_the_id_sequence(
    stack: StackHandle, pg: psycopg.Connection
) -> None:
    # The safety net of every test here: what the observations fixture does on teardown.
    snapshot = snapshot_table(pg, OBSERVATIONS)
    try:
        post_transaction(stack, transaction(delete(EDITABLE_LAYER, SEED_IDS)))
        post_transaction(stack, transaction(insert(EDITABLE_LAYER, KINGFISHER, KINGFISHER_AT)))
        assert count_rows(pg, OBSERVATIONS) == 1
    finally:
        restore_table(pg, snapshot)

    sequence = pg.execute("SELECT pg_sequence_last_value(%s::regclass)", (snapshot.sequence,)).fetchone()
    assert table_digest(pg, OBSERVATIONS) == snapshot.digest
    assert sequence == (snapshot.sequence_last_value,)


@pytest.mark.parametrize(
    "action",
    [
        insert("countries", {"name": "Atlantis"}, (-30.0, 30.0)),
        update("countries", [196], {"name": "Renamed"}),
        delete("countries", [196]),
    ],
    ids=["insert", "update", "delete"],
)
def test_a_layer_not_open_to_wfst_refuses_every_edit(
    stack: StackHandle, pg: psycopg.Connection, countries: TableSnapshot, action: etree._Element
) -> None:
    outcome = post_transaction(stack, transaction(action))

    assert outcome.http_status == 403, outcome
    assert outcome.exception is not None and outcome.exception.code == "Security", outcome
    assert "countries" in outcome.exception.text
    assert table_digest(pg, countries.table) == countries.digest


def two_features_in_one_insert() -> bytes:
    # Valid WFS, refused by QGIS: stack.features.insert writes one feature per wfs:Insert.
    action = insert(EDITABLE_LAYER, KINGFISHER, KINGFISHER_AT)
    action.extend(insert(EDITABLE_LAYER, {**KINGFISHER, "name": "Second"}, KINGFISHER_AT))
    return transaction(action)


MALFORMED = [
    # (body, HTTP status, what the exception or the action message says)
    pytest.param(b"<wfs:Transaction", 400, "not well-formed", id="not-xml"),  # stack_guard says so
    pytest.param(transaction(), 400, "No actions found", id="no-actions"),
    pytest.param(
        transaction(etree.Element(f"{{{WFS_NS}}}Delete", typeName=f"qgs:{EDITABLE_LAYER}")),
        400,
        "first child is not Filter",
        id="delete-without-filter",
    ),
    pytest.param(two_features_in_one_insert(), 400, "Insert action element", id="two-features-one-insert"),
    pytest.param(
        transaction(insert("no_such_layer", KINGFISHER, KINGFISHER_AT)),
        200,
        "TypeName 'no_such_layer' unknown",
        id="unknown-layer",
    ),
    pytest.param(
        transaction(insert(EDITABLE_LAYER, {"kind": "sighting", "observed_on": "2024-06-01"}, KINGFISHER_AT)),
        200,
        "Insert features failed",
        id="insert-without-required-name",
    ),
    pytest.param(
        # QGIS 3.40 quirk: an omitted property is inserted as NULL, not as the column's DEFAULT,
        # so leaving out observed_on (NOT NULL DEFAULT current_date) fails.
        transaction(insert(EDITABLE_LAYER, {"name": "Undated", "kind": "sighting"}, KINGFISHER_AT)),
        200,
        "Insert features failed",
        id="insert-omitting-a-defaulted-column",
    ),
    pytest.param(
        transaction(insert(EDITABLE_LAYER, KINGFISHER, None)),
        200,
        "Insert features failed",
        id="insert-without-geometry",
    ),
    pytest.param(
        transaction(update(EDITABLE_LAYER, [2], {"id": "not-a-number"})),
        200,
        "Property conversion error",
        id="update-int-with-text",
    ),
    pytest.param(
        transaction(update(EDITABLE_LAYER, [2], {"observed_on": "not-a-date"})),
        200,
        "invalid input syntax for type date",
        id="update-date-with-text",
    ),
]


@pytest.mark.parametrize(("body", "status", "says"), MALFORMED)
def test_a_bad_transaction_is_a_clear_error_and_changes_nothing(
    stack: StackHandle,
    pg: psycopg.Connection,
    observations: TableSnapshot,
    body: bytes,
    status: int,
    says: str,
) -> None:
    outcome = post_transaction(stack, body)

    # A request QGIS cannot parse is a ServiceException (400); an action it cannot carry out
    # is a TransactionResponse (200) whose TransactionResults say why.
    assert outcome.http_status == status, outcome
    assert says in outcome.explanation(), outcome
    assert outcome.changed == 0, outcome
    assert table_digest(pg, OBSERVATIONS) == observations.digest


def test_each_action_commits_on_its_own_so_a_failed_one_keeps_the_others(
    stack: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    # QGIS 3.40 quirk: WFS 1.1.0 wants a Transaction to be all or nothing; QGIS commits each
    # action separately, so the good insert stays although the transaction reports a failure.
    bad = insert(EDITABLE_LAYER, {**KINGFISHER, "observed_on": "not-a-date"}, KINGFISHER_AT)
    outcome = post_transaction(stack, transaction(insert(EDITABLE_LAYER, KINGFISHER, KINGFISHER_AT), bad))

    assert outcome.totals == {"totalInserted": 1}, outcome
    assert len(outcome.messages) == 1 and "Insert features failed" in outcome.messages[0], outcome
    assert count_rows(pg, OBSERVATIONS) == len(SEED_IDS) + 1


def test_delete_takes_only_feature_ids(
    stack: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    # QGIS 3.40 quirk: a Delete whose Filter is not made of FeatureIds deletes nothing.
    by_name = etree.Element(f"{{{WFS_NS}}}Delete", typeName=f"qgs:{EDITABLE_LAYER}")
    by_name.append(etree.fromstring(ogc_filter(PropertyIsEqualTo("name", "Orchid meadow"))))
    outcome = post_transaction(stack, transaction(by_name))

    assert outcome.totals == {"totalDeleted": 0}, outcome
    assert "No feature ids" in outcome.explanation()
    assert table_digest(pg, OBSERVATIONS) == observations.digest


def test_updates_run_before_deletes_whatever_the_document_order(
    stack: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    # QGIS 3.40 quirk: actions run by kind (updates, deletes, inserts), not in document order,
    # so an Update listed after the Delete of the same feature still finds it.
    body = transaction(delete(EDITABLE_LAYER, [3]), update(EDITABLE_LAYER, [3], {"kind": "last words"}))
    outcome = post_transaction(stack, body)

    assert outcome.totals == {"totalUpdated": 1, "totalDeleted": 1}, outcome
    assert sorted(stored_rows(pg, OBSERVATIONS, SEED_IDS)) == [1, 2]
