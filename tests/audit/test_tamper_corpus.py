"""Every edit of the stored log through raw SQL is detected by `verify`, at its position."""

from __future__ import annotations

from uuid import UUID

import pytest

from kyros.audit import checkpoints
from kyros.audit.stored import read_stored
from kyros.audit.verify import Report, verify
from kyros.bootstrap import Kyros
from tests.audit.tamper import OFFSET, chained_log, flip_byte, move, rechain, sql

pytestmark = pytest.mark.both_stores  # raw SQL on each store's own events table

FORGED_TOPIC = "kyros.domain.task:Task.Cancelled"


def check(kyros: Kyros) -> Report:
    return verify(kyros.db, kyros.audit.key.public_key())


def test_an_untouched_log_verifies_clean(kyros: Kyros) -> None:
    assert chained_log(kyros) == [5, 10]

    report = check(kyros)

    assert report.ok, report.problem
    assert (report.checked, report.checkpoints, report.chain_head) == (13, 2, 13)


def test_one_changed_byte_of_an_events_state_is_found_at_its_position(kyros: Kyros) -> None:
    chained_log(kyros)
    flip_byte(kyros, 3)

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (3, "altered")
    assert "stored state" in problem.detail


def test_a_changed_type_is_found_and_named(kyros: Kyros) -> None:
    chained_log(kyros)
    sql(kyros, "UPDATE {events} SET topic = ? WHERE {position} = 4", (FORGED_TOPIC,))

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (4, "altered")
    assert f"now {FORGED_TOPIC}" in problem.detail


def test_a_row_deleted_in_the_middle_is_found_where_it_was(kyros: Kyros) -> None:
    chained_log(kyros)
    sql(kyros, "DELETE FROM {events} WHERE {position} = 6")

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (6, "deleted")


def test_the_tail_deleted_after_a_checkpoint_is_found_from_the_chains_links(
    kyros: Kyros,
) -> None:
    last_checkpoint = chained_log(kyros)[-1]
    sql(kyros, "DELETE FROM {events} WHERE {position} > ?", (last_checkpoint,))

    problem = check(kyros).problem

    assert problem is not None
    assert (problem.position, problem.kind) == (last_checkpoint + 1, "deleted")


def test_a_tail_deleted_with_its_links_is_found_from_a_later_checkpoint(kyros: Kyros) -> None:
    first, _ = chained_log(kyros)
    sql(kyros, "DELETE FROM {events} WHERE {position} > ?", (first,))
    sql(kyros, "DELETE FROM audit_links WHERE position > ?", (first,))

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (first + 1, "truncated")


def test_a_row_inserted_in_the_middle_is_found_where_it_stands(kyros: Kyros) -> None:
    chained_log(kyros)
    with kyros.db.transaction(write=False) as tx:  # a copy of event 2, to look plausible
        copied = read_stored(tx, kyros.db.dialect, 1, 2, 1)[0]
    sql(kyros, "UPDATE {events} SET {position} = {position} + ? WHERE {position} > 7", (OFFSET,))
    sql(
        kyros,
        "UPDATE {events} SET {position} = {position} - ? WHERE {position} > ?",
        (OFFSET - 1, OFFSET),
    )
    sql(
        kyros,
        "INSERT INTO {events} ({position}, originator_id, originator_version, topic, state)"
        " VALUES (8, ?, 99, ?, ?)",
        (
            copied.entity_hex if kyros.db.dialect == "sqlite" else str(UUID(bytes=copied.entity)),
            FORGED_TOPIC,
            copied.state,
        ),
    )

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (8, "moved")


def test_two_swapped_rows_are_found_at_the_first_of_them(kyros: Kyros) -> None:
    chained_log(kyros)
    move(kyros, 2, OFFSET)
    move(kyros, 9, 2)
    move(kyros, OFFSET, 9)

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (2, "moved")


def test_a_whole_log_forged_and_rechained_is_caught_by_the_signed_checkpoint(
    kyros: Kyros,
) -> None:
    chained_log(kyros)
    for position in range(1, 14):
        flip_byte(kyros, position)
    rechain(kyros)

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (1, "rewritten")
    assert "positions 1..5" in problem.detail


def test_a_rechained_forgery_is_located_between_the_checkpoints_around_it(kyros: Kyros) -> None:
    first, second = chained_log(kyros)
    flip_byte(kyros, 7)
    rechain(kyros)

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (first + 1, "rewritten")
    assert f"positions {first + 1}..{second}" in problem.detail


def test_a_checkpoint_edited_to_match_a_forgery_fails_its_signature(kyros: Kyros) -> None:
    chained_log(kyros)
    flip_byte(kyros, 2)
    rechain(kyros)
    with kyros.db.transaction() as tx:
        new = tx.execute("SELECT link FROM audit_links WHERE position = 5").fetchone()
        tx.execute("UPDATE audit_checkpoints SET link = ? WHERE sequence = 1", (new["link"],))

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (1, "forged_checkpoint")


def test_a_checkpoint_deleted_from_the_middle_leaves_a_gap(kyros: Kyros) -> None:
    chained_log(kyros)
    sql(kyros, "DELETE FROM audit_checkpoints WHERE sequence = 1")

    problem = check(kyros).problem

    assert problem is not None and (problem.position, problem.kind) == (1, "deleted_checkpoint")


def test_a_tail_deleted_with_its_links_and_checkpoints_looks_like_a_shorter_log(
    kyros: Kyros,
) -> None:
    first, _ = chained_log(kyros)
    for table, column in (("{events}", "{position}"), ("audit_links", "position")):
        sql(kyros, f"DELETE FROM {table} WHERE {column} > ?", (first,))
    sql(kyros, "DELETE FROM audit_checkpoints WHERE position > ?", (first,))

    assert check(kyros).ok  # what the database alone cannot show (README: Tamper evidence)


def test_a_copy_of_a_checkpoint_held_outside_shows_that_deleted_tail(kyros: Kyros) -> None:
    first, _ = chained_log(kyros)
    with kyros.db.transaction(write=False) as tx:
        held = checkpoints.every(tx)  # as a webhook receiver keeps them
    for table, column in (("{events}", "{position}"), ("audit_links", "position")):
        sql(kyros, f"DELETE FROM {table} WHERE {column} > ?", (first,))
    sql(kyros, "DELETE FROM audit_checkpoints WHERE position > ?", (first,))

    report = verify(kyros.db, kyros.audit.key.public_key(), held)

    assert report.problem is not None
    assert (report.problem.position, report.problem.kind) == (first + 1, "truncated")
    assert "checkpoint 2 is held outside but missing from the database" in report.notes
