"""The one eventsourcing application that owns Kyros's append-only log."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import IntegrityError, Transcoder

from kyros.domain.agent import Agent
from kyros.domain.budget_ledger import BudgetLedger
from kyros.domain.errors import Conflict
from kyros.eventstore.batches import write_batch
from kyros.eventstore.group_commit import GroupCommit
from kyros.eventstore.postgres_factory import TIMEOUT_KEY
from kyros.eventstore.riders import current_rider
from kyros.eventstore.transcoder import MsgpackTranscoder
from kyros.settings import Settings

Listener = Callable[[int], None]

# Group commit's bounds (see `kyros.eventstore.group_commit`); the environment may override
# them, which the write benchmark does to compare settings.
MAX_BATCH_KEY, GATHER_KEY = "KYROS_GROUP_COMMIT_MAX_BATCH", "KYROS_GROUP_COMMIT_GATHER_SECONDS"
MAX_BATCH, GATHER_SECONDS = 64, 0.0002


class KyrosApplication(Application[UUID]):
    """Saves aggregates and tells listeners the log's new head position."""

    name = "Kyros"
    # Long-lived aggregates that every dispatch or heartbeat loads: a snapshot every N events
    # bounds how many events a load replays.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {BudgetLedger: 100, Agent: 200}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._listeners: list[Listener] = []
        self._appended: Counter[str] = Counter()  # saves of this process, by event type
        self._appended_lock = threading.Lock()
        timeout = float(self.env.get(TIMEOUT_KEY) or 5)
        self._group_commit = GroupCommit(
            lambda saves: write_batch(self, saves),
            max_batch=int(self.env.get(MAX_BATCH_KEY) or MAX_BATCH),
            gather_seconds=float(self.env.get(GATHER_KEY) or GATHER_SECONDS),
            # A save queued behind a stuck batch waits for that batch and for its own.
            wait_seconds=2 * timeout,
        )

    def construct_transcoder(self) -> Transcoder:
        return MsgpackTranscoder()

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def save_all(self, *aggregates: Any) -> int:
        """Saves atomically and returns the log position of the last event (0 if none).
        A rider of the current context (see `kyros.eventstore.riders`) joins the first save."""
        rider = current_rider()
        riders = rider.board() if rider is not None else ()
        try:
            recordings = self.save(*aggregates, *riders)
            if riders:
                rider.saved = True  # type: ignore[union-attr]
        except IntegrityError:
            raise Conflict(
                "The resource was changed by another request; reload and retry"
            ) from None
        return max((r.notification.id for r in recordings), default=0)

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """The library's save, through group commit: the same steps (record, snapshot, notify)
        with the recording shared with concurrent saves of this process."""
        if kwargs:  # extra arguments for the recorder cannot be merged with other saves'
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            # The library's collect_events tells aggregates from events with runtime protocol
            # checks, tens of microseconds a save; an aggregate is known by its class.
            if isinstance(obj, BaseAggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        if not processing_event.events:
            return []
        recordings = self._group_commit.commit(processing_event)  # listeners told, too
        self._take_snapshots(processing_event)
        return recordings

    def load(self, aggregate_id: UUID, missing: Callable[[], Exception]) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise missing() from None

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def appended_by_type(self) -> dict[str, int]:
        """How many events this process has appended since it started, by event type."""
        with self._appended_lock:
            return dict(self._appended)

    def _notify(self, recordings: list[Any]) -> None:
        if recordings:
            with self._appended_lock:
                self._appended.update(type(r.domain_event).__qualname__ for r in recordings)
            position = max(r.notification.id for r in recordings)
            for listener in self._listeners:
                listener(position)


def store_env(settings: Settings) -> dict[str, str]:
    """Translates Kyros settings into the eventsourcing library's environment keys."""
    if not settings.is_postgres:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": str(max(1, math.ceil(settings.database_timeout_seconds))),
            TIMEOUT_KEY: str(settings.database_timeout_seconds),
        }
    url = urlsplit(settings.database_url or "")
    return {
        "PERSISTENCE_MODULE": "kyros.eventstore.postgres_factory:BoundedPostgresFactory",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.postgres_pool_size),
        "POSTGRES_LOCK_TIMEOUT": str(max(1, math.ceil(settings.database_timeout_seconds))),
        TIMEOUT_KEY: str(settings.database_timeout_seconds),
        "POSTGRES_SCHEMA": "public",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "CREATE_TABLE": "y",
    }
