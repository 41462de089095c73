"""stack_access through nginx: the same requests as the demo's roles differ as access/rules.yaml says.

The public sees least: anonymous sees no observations, only places with pop_max > 5,000,000
and countries without wb_a2/wb_a3; partner the same with places over 1,000,000; editor
(the `stack` fixture) sees everything and may edit observations. A role header sent by the
client counts for nothing.
"""

from collections.abc import Iterator

import psycopg
import pytest

from stack.harness.crosscheck import sql_ids
from stack.harness.handle import StackHandle
from stack.harness.ows import ows_get, service_exception, wfs_client, wms_client
from stack.harness.snapshots import TableSnapshot, restore_table, snapshot_table, table_digest
from stack.harness.wfs import served_ids
from stack.harness.wfst import insert, post_transaction, transaction

pytestmark = pytest.mark.postgis

NEW_OBSERVATION = insert(
    "observations", {"name": "Spoofed heron", "kind": "sighting", "observed_on": "2024-07-01"}, (6.1, 49.6)
)


@pytest.fixture
def observations(pg: psycopg.Connection) -> Iterator[TableSnapshot]:
    snapshot = snapshot_table(pg, "demo.observations")
    yield snapshot
    restore_table(pg, snapshot)


def test_a_hidden_layer_is_absent_from_the_capabilities_of_the_roles_it_is_hidden_from(
    stack: StackHandle, stack_as_partner: StackHandle, stack_anonymous: StackHandle
) -> None:
    assert "observations" in wms_client(stack).contents
    assert "observations" in wfs_client(stack).contents

    for role in (stack_as_partner, stack_anonymous):
        assert "observations" not in wms_client(role).contents
        assert "observations" not in wfs_client(role).contents


def test_a_hidden_layer_is_refused_to_the_partner_in_getmap_and_getfeature(
    stack_as_partner: StackHandle,
) -> None:
    getmap = ows_get(
        stack_as_partner,
        {
            "SERVICE": "WMS",
            "VERSION": "1.3.0",
            "REQUEST": "GetMap",
            "LAYERS": "observations",
            "STYLES": "",
            "CRS": "EPSG:4326",
            "BBOX": "49,5,51,7",
            "WIDTH": "64",
            "HEIGHT": "64",
            "FORMAT": "image/png",
        },
    )
    getfeature = ows_get(
        stack_as_partner,
        {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "GetFeature", "TYPENAME": "observations"},
    )

    # QGIS answers both with a Security exception (GetMap names the layer, WFS does not).
    for response in (getmap, getfeature):
        assert response.status_code == 403, response.text[:300]
        exception = service_exception(response.content)
        assert exception is not None and exception.code == "Security", response.text[:300]


def test_each_role_sees_only_the_rows_of_its_filter_and_the_public_least(
    stack: StackHandle, stack_as_partner: StackHandle, stack_anonymous: StackHandle, pg: psycopg.Connection
) -> None:
    everything = sql_ids(pg, "SELECT id FROM demo.places")
    big_cities = sql_ids(pg, "SELECT id FROM demo.places WHERE pop_max > 1000000")
    biggest = sql_ids(pg, "SELECT id FROM demo.places WHERE pop_max > 5000000")

    assert set(served_ids(stack, {"TYPENAME": "places"})) == everything
    assert set(served_ids(stack_as_partner, {"TYPENAME": "places"})) == big_cities
    assert set(served_ids(stack_anonymous, {"TYPENAME": "places"})) == biggest
    assert 0 < len(biggest) < len(big_cities) < len(everything)


def test_hidden_attributes_are_left_out_for_the_partner_and_the_public(
    stack: StackHandle, stack_as_partner: StackHandle, stack_anonymous: StackHandle
) -> None:
    query = {
        "SERVICE": "WFS",
        "VERSION": "1.1.0",
        "REQUEST": "GetFeature",
        "TYPENAME": "countries",
        "MAXFEATURES": "3",
        "OUTPUTFORMAT": "application/json",
    }

    full = ows_get(stack, query).json()["features"][0]["properties"]
    assert {"wb_a2", "wb_a3"} <= set(full)
    for role in (stack_as_partner, stack_anonymous):
        restricted = ows_get(role, query).json()["features"][0]["properties"]
        assert not {"wb_a2", "wb_a3"} & set(restricted)
        assert "name" in restricted


@pytest.mark.destructive
@pytest.mark.parametrize("role", ["stack_anonymous", "stack_as_partner"])
def test_an_edit_by_a_read_only_role_is_refused_and_changes_nothing(
    role: str, request: pytest.FixtureRequest, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    outcome = post_transaction(request.getfixturevalue(role), transaction(NEW_OBSERVATION))

    assert outcome.changed == 0
    assert outcome.exception is not None or outcome.messages, outcome
    assert table_digest(pg, "demo.observations") == observations.digest


@pytest.mark.destructive
def test_the_same_edit_by_the_editor_lands_in_postgis(
    stack_as_editor: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    outcome = post_transaction(stack_as_editor, transaction(NEW_OBSERVATION))

    assert outcome.totals.get("totalInserted") == 1, outcome.explanation()
    assert sql_ids(pg, "SELECT id FROM demo.observations WHERE name = 'Spoofed heron'")


@pytest.mark.destructive
def test_a_role_header_sent_by_the_client_counts_for_nothing(
    stack_anonymous: StackHandle, pg: psycopg.Connection, observations: TableSnapshot
) -> None:
    stack = stack_anonymous
    spoofed = {"X-Qgis-Stack-Role": "editor", "Content-Type": "text/xml"}
    response = stack.post(
        stack.ows_url(),
        params={"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "Transaction"},
        data=transaction(NEW_OBSERVATION),
        headers=spoofed,
    )

    assert b"totalInserted>1<" not in response.content
    assert table_digest(pg, "demo.observations") == observations.digest
    # And a spoofed role shows the anonymous client nothing more than its own.
    capabilities = stack.get(
        stack.ows_url(),
        params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"},
        headers={"X-Qgis-Stack-Role": "editor"},
    )
    assert capabilities.status_code == 200
    assert b"<Name>observations</Name>" not in capabilities.content


@pytest.mark.smoke
def test_wrong_credentials_are_a_401_not_the_anonymous_role(stack: StackHandle) -> None:
    response = stack.get(
        stack.ows_url(),
        params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"},
        auth=("editor", "wrong"),
    )

    assert response.status_code == 401
