"""A chained log with two checkpoints, and raw-SQL edits of it as a forger would make them."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from kyros.audit.chainer import CheckpointPolicy
from kyros.audit.link import GENESIS
from kyros.audit.stored import read_stored
from kyros.bootstrap import Kyros
from kyros.eventstore.log_sql import EVENTS_TABLE
from tests.builders.commands import make_task

POSITION = {"postgres": "notification_id", "sqlite": "rowid"}
OFFSET = 1_000_000


def chained_log(kyros: Kyros) -> list[int]:
    """13 events chained in three steps: checkpoints at 5 and 10, then 3 not checkpointed;
    returns the checkpoints' positions."""
    kyros.audit.policy = CheckpointPolicy(events=5, interval=timedelta(hours=1))
    for count in (5, 5, 3):
        for _ in range(count):
            make_task(kyros.app)
        kyros.audit.catch_up()
    with kyros.db.transaction(write=False) as tx:
        rows = tx.execute("SELECT position FROM audit_checkpoints ORDER BY sequence").fetchall()
    return [int(r["position"]) for r in rows]


def sql(kyros: Kyros, statement: str, params: tuple[Any, ...] = ()) -> None:
    """`{events}` and `{position}` name the stored events table and its position column."""
    dialect = kyros.db.dialect
    text = statement.format(events=EVENTS_TABLE[dialect], position=POSITION[dialect])
    with kyros.db.transaction() as tx:
        tx.execute(text, params)


def state_at(kyros: Kyros, position: int) -> bytes:
    with kyros.db.transaction(write=False) as tx:
        return read_stored(tx, kyros.db.dialect, position - 1, position, 1)[0].state


def flip_byte(kyros: Kyros, position: int) -> None:
    state = bytearray(state_at(kyros, position))
    state[len(state) // 2] ^= 0x01
    sql(kyros, "UPDATE {events} SET state = ? WHERE {position} = ?", (bytes(state), position))


def move(kyros: Kyros, source: int, target: int) -> None:
    sql(kyros, "UPDATE {events} SET {position} = ? WHERE {position} = ?", (target, source))


def rechain(kyros: Kyros) -> None:
    """What a forger who knows the (public) formula but not the signing key can do: recompute
    every link from the log as it now is and overwrite the chain table with them."""
    with kyros.db.transaction() as tx:
        events = read_stored(tx, kyros.db.dialect, 0, 2**62, 100_000)
        previous = GENESIS
        for event in events:
            previous = event.link_after(previous)
            tx.execute(
                "UPDATE audit_links SET entity = ?, version = ?, topic = ?, recorded_at = ?,"
                " state_sha256 = ?, link = ? WHERE position = ?",
                (
                    event.entity_hex,
                    event.version,
                    event.topic,
                    event.recorded_at,
                    hashlib.sha256(event.state).hexdigest(),
                    previous.hex(),
                    event.position,
                ),
            )
