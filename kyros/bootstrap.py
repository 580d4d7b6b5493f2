"""Wires the store, read models and workers for one process."""

from __future__ import annotations

import logging
from types import TracebackType

from anyio.abc import TaskGroup

from kyros.projections.engine import ProjectionEngine
from kyros.projections.registry import all_projections
from kyros.projections.worker import ProjectionWorkers
from kyros.settings import Settings
from kyros.store.application import KyrosApplication, store_env
from kyros.store.database import Database, open_database
from kyros.store.signals import Pulse, listen_for_appends
from kyros.supervision import WorkerState, supervise

log = logging.getLogger(__name__)


class Kyros:
    """Everything a process needs; HTTP, CLI and tests all start here."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = KyrosApplication(env=store_env(settings))
        self.db: Database = open_database(settings)
        self.engine = ProjectionEngine(self.app, self.db, all_projections())
        self.engine.setup()
        self.appended = Pulse()
        self.app.add_listener(self.appended.fire_threadsafe)
        self.projections = ProjectionWorkers(
            self.engine,
            database_url=settings.database_url,
            appended=self.appended,
            page_size=settings.projection_page_size,
            poll_seconds=settings.projection_poll_seconds,
        )
        self.listener_state = WorkerState(name="log-listener")

    def start_background(self, tg: TaskGroup) -> None:
        """Starts projection workers and, on PostgreSQL, the cross-process append listener."""
        self.appended.bind()
        self.projections.start(tg)
        if self.settings.database_url:
            channel = self.app.recorder.channel_name  # type: ignore[attr-defined]
            url = self.settings.database_url

            async def listen() -> None:
                await listen_for_appends(url, channel, self.appended)

            tg.start_soon(supervise, self.listener_state, listen)

    async def settle(self, position: int) -> None:
        """Waits, bounded, until read models include `position` (read-your-writes)."""
        if position and not await self.projections.wait_for(
            position, self.settings.read_your_writes_seconds
        ):
            log.warning("read models still behind position %d", position)

    def close(self) -> None:
        self.db.close()
        self.app.close()

    def __enter__(self) -> Kyros:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
