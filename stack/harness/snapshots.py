"""Snapshots of tables a test edits, put back afterwards exactly as they were."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from stack.harness.postgis import table_identifier


@dataclass(frozen=True)
class TableSnapshot:
    table: str
    copy: str  # a temporary table on the harness's connection
    digest: str
    sequence: str | None  # the id column's sequence, so new ids restart where they were
    sequence_last_value: int | None  # None: never used


def table_digest(pg: psycopg.Connection, table: str) -> str:
    """An md5 of every row (geometry included), in id order: equal digests, equal tables."""
    query = sql.SQL("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {} t").format(
        table_identifier(table)
    )
    row = pg.execute(query).fetchone()
    assert row is not None
    return str(row[0])


def snapshot_table(pg: psycopg.Connection, table: str) -> TableSnapshot:
    """Copy a table's rows into a temporary table and note its id sequence, for restore_table."""
    copy = "snapshot_" + table.replace(".", "_")
    pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(copy)))
    pg.execute(
        sql.SQL("CREATE TEMP TABLE {} AS TABLE {}").format(sql.Identifier(copy), table_identifier(table))
    )
    row = pg.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()
    sequence = row[0] if row else None
    last_value = None
    if sequence is not None:
        found = pg.execute("SELECT pg_sequence_last_value(%s::regclass)", (sequence,)).fetchone()
        last_value = found[0] if found else None
    return TableSnapshot(table, copy, table_digest(pg, table), sequence, last_value)


def restore_table(pg: psycopg.Connection, snapshot: TableSnapshot) -> None:
    """Put the rows and the id sequence back as they were; rewrite rows only when they changed."""
    copy = sql.Identifier(snapshot.copy)
    if table_digest(pg, snapshot.table) != snapshot.digest:
        with pg.transaction():  # QGIS never sees the table empty
            pg.execute(sql.SQL("DELETE FROM {}").format(table_identifier(snapshot.table)))
            pg.execute(sql.SQL("INSERT INTO {} TABLE {}").format(table_identifier(snapshot.table), copy))
    if snapshot.sequence is not None:
        if snapshot.sequence_last_value is None:
            pg.execute("SELECT setval(%s::regclass, 1, false)", (snapshot.sequence,))
        else:
            pg.execute("SELECT setval(%s::regclass, %s)", (snapshot.sequence, snapshot.sequence_last_value))
    pg.execute(sql.SQL("DROP TABLE {}").format(copy))
    if table_digest(pg, snapshot.table) != snapshot.digest:
        raise AssertionError(f"{snapshot.table} could not be restored to its snapshot")
