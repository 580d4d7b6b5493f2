"""Recomputes the chain from the stored events and compares it with the stored links and the
signed checkpoints; reports the first bad position and what is wrong there.

What each comparison catches: an event whose bytes, type, entity, version or position changed
no longer hashes to its link; a deleted event leaves a link with no event; an event inserted
inside the chained range has no link; events and links rewritten together (a consistent
re-chaining) no longer match the link a checkpoint signed; a deleted checkpoint leaves a gap in
the sequence; a checkpoint past the end of the log means the tail was deleted.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyros.audit import batch, checkpoints
from kyros.audit.chainer import END, chain_head
from kyros.audit.checkpoints import Checkpoint
from kyros.audit.keys import key_id
from kyros.audit.link import GENESIS
from kyros.audit.stored import PAGE, StoredEvent, read_stored
from kyros.eventstore.log_sql import head
from kyros.readstore.database import Cursor, Database, Row

BATCH = 20_000  # events per bulk comparison: a few MB of rows


@dataclass(frozen=True, slots=True)
class Problem:
    position: int
    kind: str  # altered | moved | deleted | inserted | rewritten | forged_checkpoint | truncated
    detail: str


@dataclass
class Report:
    log_head: int = 0
    chain_head: int = 0
    checked: int = 0  # events compared with their links
    checkpoints: int = 0  # checkpoints whose signature and link verified
    last_checkpoint_position: int = 0
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["ok"] = self.ok
        body["unchained"] = max(self.log_head - self.chain_head, 0)
        return body


def verify(db: Database, public_key: Ed25519PublicKey, held: Sequence[Checkpoint] = ()) -> Report:
    """`held`: copies of checkpoints kept outside the database (received `audit.checkpoint`
    webhooks, earlier exports). A valid copy stands in for a checkpoint the database lost or
    altered, which is how a tail deleted with its links and checkpoints still shows."""
    with db.transaction(write=False) as tx:
        walk = _Walk(tx, db.dialect, public_key)
        walk.hold(held)
        return walk.run()


class _Walk:
    def __init__(self, tx: Cursor, dialect: str, public_key: Ed25519PublicKey) -> None:
        self.tx, self.dialect, self.key = tx, dialect, public_key
        self.key_id = key_id(public_key)
        row = tx.execute(head(dialect)).fetchone()
        self.report = Report(log_head=int(row["head"] or 0) if row else 0)
        # Checkpoints before the chain's head: one signed meanwhile is then still behind it
        # (PostgreSQL reads each statement's own snapshot), never mistaken for a lost tail.
        self.pending = checkpoints.every(tx)
        self.report.chain_head, _ = chain_head(tx)
        self.good_position = 0  # the last position a verified checkpoint vouches for
        self.expected_sequence = 1

    def hold(self, held: Sequence[Checkpoint]) -> None:
        stored, notes = {c.sequence: c for c in self.pending}, self.report.notes
        for copy in held:
            name = f"checkpoint {copy.sequence}"
            if not copy.verifies(self.key):
                notes.append(f"the held copy of {name} is not signed by this key: ignored")
                continue
            mine = stored.get(copy.sequence)
            if mine is None:
                notes.append(f"{name} is held outside but missing from the database")
            elif mine != copy:
                notes.append(f"{name} differs from its copy held outside: the copy counts")
            stored[copy.sequence] = copy
        self.pending = sorted(stored.values(), key=lambda c: c.sequence)

    def run(self) -> Report:
        """Batches whose events and links line up position for position are compared in
        bulk (`batch`); the first batch that does not, and everything after it, goes through
        the careful walk, which locates and names what is wrong."""
        previous, reached, upto = GENESIS, 0, self.report.chain_head
        hex_ids = self.dialect == "sqlite"
        while True:
            rows = batch.read_events(self.tx, self.dialect, reached, upto, BATCH)
            last = rows[-1][0] if rows else upto
            links = batch.read_links(self.tx, reached, last)
            if not rows and not links:
                break
            try:
                computed = batch.chain(rows, previous, hex_ids)
            except Exception:  # a row the careful walk reads its own way
                return self._walk(reached, previous)
            positions = [r[0] for r in rows]
            if positions != [k[0] for k in links] or b"".join(computed).hex() != "".join(
                k[1] for k in links
            ):
                return self._walk(reached, previous)
            while self.pending and self.pending[0].position <= last:
                at = bisect_left(positions, self.pending[0].position)
                if not self._checkpoints_upto(positions[at], computed[at]):
                    return self.report
            self.report.checked += len(rows)
            previous, reached = computed[-1], last
        return self._finish(previous, reached)

    def _walk(self, after: int, previous: bytes) -> Report:
        """Event by event past `after` (whose link is `previous`), up to the chain's head."""
        reached = after
        for position, event, stored in _merged(
            self.tx, self.dialect, after, self.report.chain_head
        ):
            computed = event.link_after(previous) if event is not None else None
            problem = None
            if stored is None or computed is None or computed.hex() != stored["link"]:
                problem = _compare(position, event, _full(self.tx, stored), computed)
            if problem is not None:
                return self._found(problem)
            if computed is not None:
                previous = computed
                self.report.checked += 1
                reached = position
            if not self._checkpoints_upto(position, previous):
                return self.report
        return self._finish(previous, reached)

    def _finish(self, previous: bytes, reached: int) -> Report:
        if self._checkpoints_upto(END, previous, end=reached) and self.report.log_head > (
            self.report.chain_head
        ):
            unchained = self.report.log_head - self.report.chain_head
            self.report.notes.append(
                f"{unchained} events past the chain's head are not chained yet"
            )
        return self.report

    def _checkpoints_upto(self, position: int, link: bytes, end: int | None = None) -> bool:
        """Checks the checkpoints signed at or before `position`; False on the first bad one."""
        while self.pending and self.pending[0].position <= position:
            checkpoint = self.pending.pop(0)
            problem = self._check(checkpoint, link, end)
            if problem is not None:
                self._found(problem)
                return False
            self.good_position = checkpoint.position
            self.report.checkpoints += 1
            self.report.last_checkpoint_position = checkpoint.position
        return True

    def _check(self, cp: Checkpoint, link: bytes, end: int | None) -> Problem | None:
        start = self.good_position + 1
        if cp.sequence != self.expected_sequence:
            missing = f"{self.expected_sequence}..{cp.sequence - 1}"
            return Problem(start, "deleted_checkpoint", f"checkpoints {missing} are missing")
        self.expected_sequence += 1
        if cp.key_id != self.key_id or not cp.verifies(self.key):
            return Problem(
                start,
                "forged_checkpoint",
                f"checkpoint {cp.sequence} (position {cp.position}) does not carry a valid"
                f" signature of key {self.key_id}: the checkpoints were altered",
            )
        if end is not None:
            return Problem(
                end + 1,
                "truncated",
                f"checkpoint {cp.sequence} covers position {cp.position}, but the log and the"
                f" chain end at {end}: the events after {end} were deleted",
            )
        if cp.link != link.hex():
            return Problem(
                start,
                "rewritten",
                f"checkpoint {cp.sequence} signed link {cp.link[:16]}… at position {cp.position};"
                f" the log gives {link.hex()[:16]}…: events and links were rewritten"
                f" consistently somewhere in positions {start}..{cp.position}",
            )
        return None

    def _found(self, problem: Problem) -> Report:
        self.report.problem = problem
        return self.report


def _full(tx: Cursor, stored: Row | None) -> Row | None:
    """The whole link row, for saying what differs (the walk reads only positions and links)."""
    if stored is None:
        return None
    return tx.execute(
        "SELECT position, entity, version, topic, recorded_at, state_sha256, link"
        " FROM audit_links WHERE position = ?",
        (stored["position"],),
    ).fetchone()


def _compare(
    position: int, event: StoredEvent | None, stored: Row | None, computed: bytes | None
) -> Problem | None:
    """`computed`: the event's link recomputed from the one before it."""
    if stored is None and event is not None:
        return Problem(
            position,
            "inserted",
            f"the log holds an event ({event.topic}, entity {event.entity_hex} v{event.version})"
            " at a position the chain skipped: it was inserted after chaining",
        )
    if stored is None:
        return None
    if event is None or computed is None:
        return Problem(
            position,
            "deleted",
            f"the chain links an event here ({stored['topic']}, entity {stored['entity']}"
            f" v{stored['version']}) but the log has none: it was deleted",
        )
    if computed.hex() == stored["link"]:
        return None
    return _diagnose(position, event, stored)


def _diagnose(position: int, event: StoredEvent, stored: Row) -> Problem:
    if (event.entity_hex, event.version) != (stored["entity"], int(stored["version"])):
        return Problem(
            position,
            "moved",
            f"the event here is entity {event.entity_hex} v{event.version}, where the chain has"
            f" entity {stored['entity']} v{stored['version']}: rows were moved or replaced",
        )
    changed = []
    if event.topic != stored["topic"]:
        changed.append(f"its type (was {stored['topic']}, now {event.topic})")
    if hashlib.sha256(event.state).hexdigest() != stored["state_sha256"]:
        changed.append("its stored state bytes")
    if event.recorded_at != stored["recorded_at"]:
        changed.append("its recorded time")
    what = " and ".join(changed) or "its link (the chain table itself was edited)"
    return Problem(position, "altered", f"the event at position {position} changed: {what}")


def _merged(
    tx: Cursor, dialect: str, after: int, upto: int
) -> Iterator[tuple[int, StoredEvent | None, Row | None]]:
    """Events and links side by side by position, past `after` up to the chain's head."""
    events, links = _events(tx, dialect, after, upto), _links(tx, after, upto)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        at = min(x for x in (event.position if event else None, _at(link)) if x is not None)
        here_event = event if event is not None and event.position == at else None
        here_link = link if link is not None and _at(link) == at else None
        yield at, here_event, here_link
        if here_event is not None:
            event = next(events, None)
        if here_link is not None:
            link = next(links, None)


def _at(link: Row | None) -> int | None:
    return int(link["position"]) if link is not None else None


def _events(tx: Cursor, dialect: str, after: int, upto: int) -> Iterator[StoredEvent]:
    while page := read_stored(tx, dialect, after, upto, PAGE):
        yield from page
        after = page[-1].position


def _links(tx: Cursor, after: int, upto: int) -> Iterator[Row]:
    while True:
        page = tx.execute(
            "SELECT position, link FROM audit_links WHERE position > ? AND position <= ?"
            " ORDER BY position LIMIT ?",
            (after, upto, PAGE),
        ).fetchall()
        if not page:
            return
        yield from page
        after = int(page[-1]["position"])
