"""An entity's events up to a point replayed through the live projection code into a throwaway
in-memory read store, so the live query function answers in exactly the live shape."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

from kyros.domain.errors import DomainError
from kyros.eventstore.application import KyrosApplication
from kyros.projections.engine import Projection, consumes
from kyros.projections.log_page import check_decoded
from kyros.readstore.database import Database, SqliteDatabase
from kyros.timetravel.log import count_of, events_of
from kyros.timetravel.point import Point

# A read of the past replays one entity's events (its own aggregates'), not the whole log: the
# bound is on those. Past it the answer is `kyros audit snapshot`, which has no such bound.
MAX_REPLAY_EVENTS = 50_000


def scratch() -> SqliteDatabase:
    """One connection (an in-memory database lives and dies with its connection)."""
    return SqliteDatabase(":memory:", pool_size=1)


def check_bounded(db: Database, originators: Sequence[UUID], point: Point) -> None:
    if count_of(db, originators, point.position) > MAX_REPLAY_EVENTS:
        raise DomainError(
            f"The entity has more than {MAX_REPLAY_EVENTS} events before this point;"
            " use `kyros audit snapshot` for it",
            field=point.field,
        )


def create(past: Database, projections: Sequence[Projection]) -> None:
    with past.transaction() as tx:
        for projection in projections:
            projection.create(tx)


def apply(
    app: KyrosApplication,
    db: Database,
    past: Database,
    projections: Sequence[Projection],
    originators: Sequence[UUID],
    position: int,
) -> None:
    """Feeds each projection the events of `originators` of the types it consumes, page by
    page in log order, as the live engine does (a page folds like the events one by one)."""
    for page in events_of(app, db, originators, position):
        with past.transaction() as tx:
            for projection in projections:
                kinds = consumes(projection)
                share = [
                    (at, e) for at, e in page if kinds is None or type(e).__qualname__ in kinds
                ]
                if share:
                    check_decoded(share)
                    projection.apply(tx, share)


@contextmanager
def replayed(
    app: KyrosApplication,
    db: Database,
    projections: Sequence[Projection],
    originators: Sequence[UUID],
    point: Point,
) -> Iterator[Database]:
    """A read store holding `projections`' tables as `originators`' events left them at
    `point`; gone on exit."""
    check_bounded(db, originators, point)
    past = scratch()
    try:
        create(past, projections)
        apply(app, db, past, projections, originators, point.position)
        yield past
    finally:
        past.close()
