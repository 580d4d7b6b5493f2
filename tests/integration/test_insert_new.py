"""Rows a read model knows are new go in by COPY on PostgreSQL and a plain INSERT on SQLite;
either way the table holds exactly the values given (text COPY must escape), through the
shadow rebuild's renaming too."""

from __future__ import annotations

import pytest

from kyros.bootstrap import Kyros
from kyros.projections.shadow import SUFFIX, _Renaming
from kyros.projections.storable_cursor import storable_cursor
from tests.integration.helpers import table

pytestmark = pytest.mark.both_stores  # COPY on one, INSERT on the other

COLUMNS = ("id", "label", "amount", "ratio")
ROWS = [
    (1, "tab\there, newline\nthere", 10, 0.5),
    (2, "back\\slash and \\N and \\.", None, None),
    (3, None, 2**40, 1e-300),
    (4, "", 0, -2.5),
    (5, 'snow ☃ and «quotes», commas; "doubles"', -1, 3.0),
]


def _create(kyros: Kyros, name: str) -> None:
    with kyros.db.transaction() as tx:
        tx.execute(
            f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, label TEXT, amount BIGINT,"
            " ratio DOUBLE PRECISION)"
        )


def test_new_rows_are_stored_exactly_as_given(kyros: Kyros) -> None:
    _create(kyros, "rm_insert_new")
    with kyros.db.transaction() as tx:
        storable_cursor(tx, kyros.db.dialect).insert_new("rm_insert_new", COLUMNS, ROWS)
    stored = [tuple(row[c] for c in COLUMNS) for row in table(kyros.db, "rm_insert_new", "id")]
    assert stored == ROWS


def test_a_nul_is_replaced_where_the_store_cannot_hold_it(kyros: Kyros, store: str) -> None:
    _create(kyros, "rm_insert_new")
    with kyros.db.transaction() as tx:
        storable_cursor(tx, kyros.db.dialect).insert_new(
            "rm_insert_new", COLUMNS, [(1, "a\x00b", 1, 1.0)]
        )
    expected = "a\ufffdb" if store == "postgres" else "a\x00b"
    assert table(kyros.db, "rm_insert_new", "id")[0]["label"] == expected


def test_a_rebuild_inserts_into_its_shadow_table(kyros: Kyros) -> None:
    _create(kyros, "rm_insert_new")
    _create(kyros, "rm_insert_new" + SUFFIX)
    with kyros.db.transaction() as tx:
        cursor = _Renaming(storable_cursor(tx, kyros.db.dialect), ["rm_insert_new"])
        cursor.insert_new("rm_insert_new", COLUMNS, ROWS[:1])
    assert table(kyros.db, "rm_insert_new", "id") == []
    assert len(table(kyros.db, "rm_insert_new" + SUFFIX, "id")) == 1


def test_a_row_the_table_holds_already_is_refused_not_merged(kyros: Kyros) -> None:
    """`insert_new` is for keys known absent: a wrong belief fails loudly, never silently."""
    _create(kyros, "rm_insert_new")
    with kyros.db.transaction() as tx:
        storable_cursor(tx, kyros.db.dialect).insert_new("rm_insert_new", COLUMNS, ROWS[:1])
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), kyros.db.transaction() as tx:
        storable_cursor(tx, kyros.db.dialect).insert_new("rm_insert_new", COLUMNS, ROWS[:1])
