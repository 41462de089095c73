"""WFS-T inserts under load, each named by its request number, and the check that the table
holds exactly the ones QGIS acknowledged: a client told "inserted" must find its row, and a
client told anything else must not (it may retry, and would then have it twice)."""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
import requests
from psycopg import sql

from stack.harness.handle import StackHandle
from stack.harness.load import LoadReport, Request
from stack.harness.ows import ows_post
from stack.harness.postgis import table_identifier
from stack.harness.wfst import insert, transaction, transaction_outcome

NAME_COLUMN = "name"


def insert_request(
    stack: StackHandle, layer: str, prefix: str, point: tuple[float, float], extra: Mapping[str, str]
) -> Request:
    """A Request that inserts one feature named `<prefix>-<number>` (and `extra` properties:
    QGIS inserts NULL, not the column default, for a property left out) into `layer`."""
    params = {"SERVICE": "WFS", "VERSION": "1.1.0", "REQUEST": "Transaction"}

    def send(number: int) -> requests.Response:
        properties = {NAME_COLUMN: f"{prefix}-{number}", **extra}
        body = transaction(insert(layer, properties, point))
        return ows_post(stack, body, params)

    return send


def inserted(response: requests.Response) -> str | None:
    """The Verdict for insert_request: None when QGIS reports exactly one feature inserted."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.content[:80]!r}"
    try:
        outcome = transaction_outcome(response)
    except AssertionError as error:
        return str(error)[:120]
    if outcome.exception is not None or outcome.totals.get("totalInserted") != 1:
        return f"not inserted: {outcome.explanation()[:120]}"
    return None


def stored_numbers(pg: psycopg.Connection, table: str, prefix: str) -> set[int]:
    """The request numbers of the rows insert_request left in `table`."""
    query = sql.SQL("SELECT {} FROM {} WHERE {} LIKE %s").format(
        sql.Identifier(NAME_COLUMN), table_identifier(table), sql.Identifier(NAME_COLUMN)
    )
    rows = pg.execute(query, (f"{prefix}-%",)).fetchall()
    return {int(str(row[0]).rsplit("-", 1)[1]) for row in rows}


def acknowledgement_mismatches(report: LoadReport, stored: set[int]) -> list[str]:
    """What differs between what the clients were told and what the table holds."""
    problems = []
    for outcome in report.outcomes:
        if outcome.ok and outcome.number not in stored:
            problems.append(f"insert {outcome.number} was acknowledged but is not in the table")
        if not outcome.ok and outcome.number in stored:
            problems.append(f"insert {outcome.number} failed ({outcome.problem}) but is in the table")
    return problems
