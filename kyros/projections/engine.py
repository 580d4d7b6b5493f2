"""Applies the log to read models in pages: one read and one decode of a page serve every read
model; each read model's rows and tracking position commit together."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kyros.eventstore.application import KyrosApplication
from kyros.projections import tracking
from kyros.projections.collector import collector_paused
from kyros.projections.failures import (
    FAILURES_DDL,
    ProjectionFailure,
    ProjectionStuck,
    clear_failure,
    read_failure,
    read_failures,
    record_failure,
)
from kyros.projections.log_page import LogPage, check_decoded, read_page
from kyros.projections.log_range import decoder, read_range
from kyros.projections.storable_cursor import storable_cursor
from kyros.readstore.database import Cursor, Database

Event = Any
Page = Sequence[tuple[int, Event]]

PAGE_SECONDS = 1.0  # a page's transaction stays well inside the database's bound on one use


def next_limit(limit: int, took: float, cap: int) -> int:
    """The page size after a step that took `took` seconds: one transaction carries every
    read model's share, so a page is halved when slow (a connection kept busy past the
    database timeout is cut) and doubled back towards `cap` when quick."""
    if took > PAGE_SECONDS:
        return max(1, limit // 2)
    if took < PAGE_SECONDS / 4:
        return min(cap, limit * 2)
    return limit


class Projection(Protocol):
    """A read model: its tables, how to empty them, how to apply a page of events, and the
    event types (`type(event).__qualname__`) it reads: it is given only those, and its
    position still moves past the others (a test holds each declaration to its `apply`)."""

    name: str
    consumes: frozenset[str]

    def create(self, tx: Cursor) -> None: ...
    def clear(self, tx: Cursor) -> None: ...
    def apply(self, tx: Cursor, page: Page) -> None: ...


def consumes(projection: Projection) -> frozenset[str] | None:
    """None for a projection that declares nothing: it is given every event."""
    return getattr(projection, "consumes", None)


@dataclass(frozen=True)
class Stepped:
    """One read model's share of a step: `read` log events its position moved over (of any
    type), `applied` of them its own types, and `error` when it did not get through: a
    `ProjectionStuck`, or a fault that no single event reproduces (a passing one)."""

    read: int
    applied: int
    position: int
    error: Exception | None = None


class ProjectionEngine:
    """Exactly once: a read model's page commits only if the position it started from is
    still current. Two runners on one database (a server and a CLI rebuild, or two servers)
    therefore never apply a page twice: the loser's conditional UPDATE matches no row.

    One step reads a page of the log from the lowest position among the read models it is
    given, decodes only the events some of them consume, and applies each read model's part
    in one transaction (the read models a waiting write needs first, in one of their own),
    their positions moved by one UPDATE. Should a read model fail, the page is applied again
    with a savepoint per read model: the failing one is rolled back alone and the others
    commit. The failed one is then retried one event at a time: the events
    before the failing one are applied, the failing one is recorded (`projection_failures`)
    and its result carries `ProjectionStuck`. The read model halts there rather than skip it,
    so what it shows stays true as of its position (a skipped revocation would leave a key
    active for good); every retry that gets past the event clears the record.
    """

    def __init__(
        self,
        app: KyrosApplication,
        db: Database,
        projections: Sequence[Projection],
        durable: bool = True,
    ) -> None:
        """`durable=False` for read models no reader sees yet (a rebuild's shadow tables):
        their pages commit without waiting for the disk (`Database.transaction`)."""
        self.app = app
        self.db = db
        self.durable = durable
        self.projections = {p.name: p for p in projections}
        self._failing: set[str] = set()  # names this engine knows a failure is recorded for
        self._known: dict[str, int] = {}  # positions as this engine last committed them
        self._decode = decoder(app.mapper)

    def setup(self) -> None:
        with self.db.transaction() as tx:
            tx.execute(FAILURES_DDL)
            for projection in self.projections.values():
                projection.create(tx)
            tracking.create(tx, self.projections)
        self._failing = set(read_failures(self.db))

    def positions(self) -> dict[str, int]:
        with self.db.transaction(write=False) as tx:
            found = tracking.all_positions(tx)
        return {name: at for name, at in found.items() if name in self.projections}

    def position(self, name: str) -> int:
        with self.db.transaction(write=False) as tx:
            return tracking.position_in(tx, name)

    def failure(self, name: str) -> ProjectionFailure | None:
        """The event `name` is stuck at, as recorded by whichever process runs it."""
        failure = read_failure(self.db, name)
        if failure is None:
            self._failing.discard(name)
        else:
            self._failing.add(name)
        return failure

    def failures(self) -> dict[str, ProjectionFailure]:
        found = {n: f for n, f in read_failures(self.db).items() if n in self.projections}
        self._failing = set(found)
        return found

    def step(self, name: str, limit: int) -> tuple[int, int]:
        """Runs one read model one page on; returns (log events moved over, position after).

        Raises `ProjectionStuck` when an event of the page cannot be applied."""
        stepped = self.step_all([name], limit)[name]
        if stepped.error is not None:
            raise stepped.error
        return stepped.read, stepped.position

    def step_all(
        self,
        names: Collection[str],
        limit: int,
        first: Collection[str] = (),
        on_first: Callable[[dict[str, Stepped]], None] | None = None,
        upto: int | None = None,
    ) -> dict[str, Stepped]:
        """Runs every read model of `names` on by one page of at most `limit` log events,
        read from the lowest of their positions. Never raises for one read model's fault.

        The read models of `first` (those a waiting write reads back) commit in a
        transaction of their own before the others, and `on_first` is given their results
        then: a write's answer waits for its read model, not for all fifteen."""
        with collector_paused():  # a page's decoded events would set off full collections
            return self._step_all(names, limit, first, on_first, upto)

    def _step_all(
        self,
        names: Collection[str],
        limit: int,
        first: Collection[str],
        on_first: Callable[[dict[str, Stepped]], None] | None,
        upto: int | None,
    ) -> dict[str, Stepped]:
        cached = all(n in self._known for n in names)
        starts, page = self._page(names, limit, upto)
        if page.end is None and cached:  # idle: look again at what other runners recorded
            self._forget(names)
            starts, page = self._page(names, limit, upto)
        results = {n: Stepped(0, 0, p) for n, p in starts.items()}
        if page.end is None:
            return results
        behind = sorted(n for n, p in starts.items() if p < page.end)
        ahead = [n for n in behind if n in first]
        groups = [ahead, [n for n in behind if n not in first]] if ahead else [behind]
        for group in groups:
            if group:
                results.update(self._step_group(group, starts, page))
            if group is ahead and on_first is not None:
                on_first({n: results[n] for n in ahead})
        return results

    def _page(
        self, names: Collection[str], limit: int, upto: int | None
    ) -> tuple[dict[str, int], LogPage]:
        starts = self._starts(names)
        wanted: set[str] | None = set()
        for name in names:
            kinds = consumes(self.projections[name])
            wanted = None if kinds is None or wanted is None else wanted | kinds
        return starts, self.read(min(starts.values()), limit, wanted, upto)

    def read(
        self, start: int, limit: int, wanted: Collection[str] | None, upto: int | None
    ) -> LogPage:
        """A page of the log past `start`. A catch-up (`upto` its target) reads by ranges
        of positions, of consumed topics only (`log_range`), where the read models'
        database holds the log: a time-travel snapshot's does not."""
        if upto is None or not isinstance(self.app, KyrosApplication):
            return read_page(self.app, start, limit, wanted)
        return read_range(self.db, self._decode, start, upto, limit, wanted)

    def _starts(self, names: Collection[str]) -> dict[str, int]:
        """Positions as this engine last committed them; read only for names it has not
        committed yet (and again when a step finds nothing new). A stale one costs nothing
        wrong: the conditional UPDATE of the commit matches no row, and it is read again."""
        known = dict(self._known)  # another thread may change it meanwhile
        missing = [n for n in names if n not in known]
        if missing:
            with self.db.transaction(write=False) as tx:
                read = tracking.positions_in(tx, missing)
            self._known.update(read)
            known.update(read)
        return {n: known[n] for n in names}

    def _step_group(
        self, names: list[str], starts: dict[str, int], page: LogPage
    ) -> dict[str, Stepped]:
        """One transaction for the group: its tracking rows move in one UPDATE per start
        position, each read model applies its share, no savepoints. Should one fail, the
        whole group is rolled back and done again with a savepoint per read model."""
        assert page.end is not None
        shares = {n: page.share(starts[n], consumes(self.projections[n])) for n in names}
        culprit: tuple[str, Exception] | None = None
        try:
            with self.db.transaction(durable=self.durable) as tx:
                cursor = storable_cursor(tx, self.db.dialect)
                moved = tracking.move_all(tx, names, starts, page.end)
                for name in names:
                    if name in moved and shares[name]:
                        try:
                            check_decoded(shares[name])
                            self.projections[name].apply(cursor, shares[name])
                        except Exception as error:
                            culprit = (name, error)
                            raise
                cleared = [n for n in moved if n in self._failing]
                for name in cleared:  # it got past the event it was stuck at
                    clear_failure(tx, name)
        except Exception:  # the page is rolled back: the others apart, the culprit alone
            self._forget(names)
            if culprit is None:
                return self._step_apart(names, starts, page, shares)
            name, error = culprit
            others = [n for n in names if n != name]
            results = self._step_apart(others, starts, page, shares) if others else {}
            results[name] = self._one_by_one(name, starts[name], page, shares[name], error)
            return results
        self._failing.difference_update(cleared)
        results: dict[str, Stepped] = {}
        for name in names:
            if name in moved:
                self._known[name] = page.end
                read = page.count_after(starts[name])
                results[name] = Stepped(read, len(shares[name]), page.end)
            else:  # another runner moved it on
                self._known.pop(name, None)
                results[name] = Stepped(0, 0, self.position(name))
        return results

    def _forget(self, names: Collection[str]) -> None:
        for name in names:
            self._known.pop(name, None)

    def _step_apart(
        self, names: list[str], starts: dict[str, int], page: LogPage, shares: dict[str, Page]
    ) -> dict[str, Stepped]:
        """The group again, each read model inside a savepoint: one that fails is rolled
        back alone and the others commit; the failed one is retried event by event."""
        assert page.end is not None
        results: dict[str, Stepped] = {}
        failed: dict[str, Exception] = {}
        cleared: list[str] = []
        with self.db.transaction(durable=self.durable) as tx:
            cursor = storable_cursor(tx, self.db.dialect)
            for name in names:
                tx.execute("SAVEPOINT projection")
                try:
                    moved = self._commit_in(tx, cursor, name, starts[name], page.end, shares[name])
                except Exception as error:  # this read model alone: the others go on
                    tx.execute("ROLLBACK TO SAVEPOINT projection")
                    failed[name] = error
                    continue
                finally:
                    tx.execute("RELEASE SAVEPOINT projection")
                if moved:
                    read = page.count_after(starts[name])
                    results[name] = Stepped(read, len(shares[name]), page.end)
                    if name in self._failing:
                        cleared.append(name)
                else:
                    results[name] = Stepped(0, 0, tracking.position_in(tx, name))
        self._failing.difference_update(cleared)
        for name, error in failed.items():
            results[name] = self._one_by_one(name, starts[name], page, shares[name], error)
        return results

    def _commit_in(
        self, tx: Cursor, cursor: Cursor, name: str, start: int, end: int, share: Page
    ) -> bool:
        """Moves `name` from `start` to `end` applying `share`; False if it is not at `start`
        any more (another runner moved it on: its page is not applied twice)."""
        if not tracking.move(tx, name, start, end):
            return False
        if share:
            check_decoded(share)
            self.projections[name].apply(cursor, share)
        if name in self._failing:  # it got past the event it was stuck at
            clear_failure(tx, name)
        return True

    def _commit(self, name: str, start: int, end: int, share: Page) -> bool:
        with self.db.transaction(durable=self.durable) as tx:
            moved = self._commit_in(
                tx, storable_cursor(tx, self.db.dialect), name, start, end, share
            )
        if moved:
            self._failing.discard(name)
        return moved

    def _one_by_one(
        self, name: str, start: int, page: LogPage, share: Page, error: Exception
    ) -> Stepped:
        """Applies a failed share's events one at a time, up to one that fails alone."""
        assert page.end is not None
        position, applied = start, 0
        for at, event in share:
            try:
                moved = self._commit(name, position, at, [(at, event)])
            except Exception as alone:
                before = page.before(at, floor=position)
                if before > position and self._commit(name, position, before, []):
                    position = before
                failure = record_failure(self.db, name, at, page.topic(at), alone)
                self._failing.add(name)
                stuck = ProjectionStuck(failure, reached=position)
                stuck.__cause__ = alone
                return Stepped(page.count_between(start, position), applied, position, stuck)
            if not moved:  # another runner moved the position on
                return Stepped(0, applied, self.position(name))
            position, applied = at, applied + 1
        if position < page.end and self._commit(name, position, page.end, []):
            position = page.end
        # each event applied alone: the fault was passing, not theirs; report it
        return Stepped(page.count_between(start, position), applied, position, error)

    def catch_up(self, name: str, limit: int, progress: Callable[[int], None] | None = None) -> int:
        """Runs pages until the head seen at the start is reached; returns the final position.
        Raises `ProjectionStuck` at an event the read model cannot apply."""
        report = None if progress is None else lambda at: progress(at[name])
        stepped = self.catch_up_all([name], limit, report)[name]
        if stepped.error is not None:
            raise stepped.error
        return stepped.position

    def catch_up_all(
        self,
        names: Collection[str],
        limit: int,
        progress: Callable[[dict[str, int]], None] | None = None,
    ) -> dict[str, Stepped]:
        """Runs `names` together, one read of the log for all, up to the head seen at the
        start. A read model that fails drops out with its error; the others go on."""
        target = self.app.head()
        last: dict[str, Stepped] = {}
        going = set(names)
        page = limit
        while going:
            started = time.monotonic()
            stepped = self.step_all(going, page, upto=target)
            page = next_limit(page, time.monotonic() - started, limit)
            last.update(stepped)
            going = {n for n, s in stepped.items() if s.error is None and s.position < target}
            if progress is not None:
                progress({n: s.position for n, s in last.items()})
        return last

    def reset(self, name: str) -> None:
        """Empties a read model and rewinds it to the start of the log, atomically."""
        self._known.pop(name, None)
        with self.db.transaction() as tx:
            self.projections[name].clear(tx)
            clear_failure(tx, name)
            tracking.rewind(tx, name)
